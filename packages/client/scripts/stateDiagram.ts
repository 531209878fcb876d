import type { AnyStateMachine, AnyStateNode } from "xstate";

/** One transition as the diagram draws it. */
interface Edge {
  from: string;
  to: string;
  label: string;
}

/** A Mermaid id for a state node: its XState id with every character Mermaid would trip on replaced. */
function mermaidId(node: AnyStateNode): string {
  return node.id.replace(/[^A-Za-z0-9_]/g, "_");
}

/** What each invoked actor is called: its `src` name from `setup` (an id XState made up says nothing). */
function invokedNames(node: AnyStateNode): Map<string, string> {
  const names = new Map<string, string>();
  for (const invoke of node.invoke)
    names.set(invoke.id, typeof invoke.src === "string" ? invoke.src : invoke.id);
  return names;
}

/** `xstate.after.200.turn.requesting` → `after 200`, `xstate.done.actor.<id>` → `done: <src>`... */
function eventLabel(eventType: string, node: AnyStateNode): string {
  if (eventType === "") return "always";
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (after) return `after ${after[1]}`;
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(eventType);
  if (actor?.[1] && actor[2]) return `${actor[1]}: ${invokedNames(node).get(actor[2]) ?? actor[2]}`;
  if (eventType.startsWith("xstate.done.state.")) return "done";
  return eventType;
}

function guardLabel(guard: unknown): string {
  if (guard === undefined || guard === null) return "";
  if (typeof guard === "string") return ` [${guard}]`;
  if (typeof guard === "object" && "type" in guard && typeof guard.type === "string")
    return ` [${guard.type}]`;
  if (typeof guard === "function" && guard.name !== "") return ` [${guard.name}]`;
  return " [guarded]";
}

/** The root's own transitions leave whichever state the machine is in: drawn from "(any state)". */
function anyStateId(root: AnyStateNode): string {
  return `${mermaidId(root)}_any`;
}

function edgesOf(node: AnyStateNode, from = mermaidId(node)): Edge[] {
  const edges: Edge[] = [];
  const definitions = [...node.transitions.values()].flat();
  for (const transition of [...definitions, ...(node.always ?? [])]) {
    for (const target of transition.target ?? []) {
      edges.push({
        from,
        to: mermaidId(target),
        label: `${eventLabel(transition.eventType, node)}${guardLabel(transition.guard)}`,
      });
    }
  }
  return edges;
}

function childrenOf(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states) as AnyStateNode[];
}

/** The lines of one compound or parallel node's body: its initial state, children and their edges. */
function body(node: AnyStateNode, indent: string): string[] {
  const lines: string[] = [];
  const children = childrenOf(node);
  if (node.type === "parallel") {
    children.forEach((child, index) => {
      if (index > 0) lines.push(`${indent}--`);
      lines.push(...stateLines(child, indent));
    });
    return lines;
  }
  for (const target of node.initial?.target ?? []) lines.push(`${indent}[*] --> ${mermaidId(target)}`);
  for (const child of children) lines.push(...stateLines(child, indent));
  for (const child of children) {
    for (const edge of edgesOf(child)) lines.push(`${indent}${edge.from} --> ${edge.to} : ${edge.label}`);
    if (child.type === "final") lines.push(`${indent}${mermaidId(child)} --> [*]`);
  }
  return lines;
}

function stateLines(node: AnyStateNode, indent: string): string[] {
  const id = mermaidId(node);
  const lines = [`${indent}state "${node.key}" as ${id}`];
  if (node.type === "compound" || node.type === "parallel") {
    lines.push(`${indent}state ${id} {`, ...body(node, `${indent}  `), `${indent}}`);
  }
  return lines;
}

/**
 * A Mermaid `stateDiagram-v2` of a machine, from its definition: every state node under
 * `machine.root` (compound, parallel and final ones too) and every transition with a target, labelled
 * with its event and guard. Transitions that only run actions (no target) are left out.
 */
export function mermaidStateDiagram(machine: AnyStateMachine): string {
  const root = machine.root as AnyStateNode;
  const lines = ["stateDiagram-v2", ...body(root, "  ")];
  const fromAny = edgesOf(root, anyStateId(root));
  if (fromAny.length > 0) lines.push(`  state "(any state)" as ${anyStateId(root)}`);
  for (const edge of fromAny) lines.push(`  ${edge.from} --> ${edge.to} : ${edge.label}`);
  return `${lines.join("\n")}\n`;
}
