import { describe, expect, it } from "vitest";
import { CodexError, CodexValidationError } from "../src/index.js";

describe("CodexError instanceof", () => {
  it("matches the class and its ancestors, not its siblings or descendants", () => {
    const base = new CodexError("boom", "base");
    const validation = new CodexValidationError("notification", "turn/started", []);
    expect(validation).toBeInstanceOf(CodexValidationError);
    expect(validation).toBeInstanceOf(CodexError);
    expect(validation).toBeInstanceOf(Error);
    expect(base).toBeInstanceOf(CodexError);
    expect(base).not.toBeInstanceOf(CodexValidationError);
  });

  it("matches a copy of the class from another bundle by its brand", () => {
    // A second copy of the package defines a class of the same name; it must still match.
    const Duplicate = class CodexValidationError extends CodexError {};
    expect(new Duplicate("validation_failed", "copy")).toBeInstanceOf(CodexValidationError);
    expect({ name: "CodexValidationError" }).not.toBeInstanceOf(CodexValidationError);
  });
});
