import { defineConfig } from "tsup";
import { sharedAppTsupConfig } from "../../tsup.shared.js";

export default defineConfig(sharedAppTsupConfig(import.meta.dirname, { main: "src/main.ts" }));
