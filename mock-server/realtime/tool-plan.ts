/**
 * The mock's scripted rule for function calls (§3.6). The real model decides from the words; the
 * mock cannot hear words, so it follows a rule that is documented and configurable:
 *
 * - no function tools, or `tool_choice: "none"` → never call;
 * - `tool_choice: {type:"function", name}` → call that tool on every response;
 * - `tool_choice: "required"` → call on every response (§3.6: leaving it on makes every response call);
 * - `tool_choice: "auto"` → the server's tool plan decides: `auto` (default) calls on a response that
 *   answers a user turn (the last item of its input is a user message), and speaks otherwise, e.g.
 *   after a `function_call_output`; `always` calls on every response; `never` never calls.
 *
 * Which tools: the named one; else every function tool when `parallel_tool_calls` is true, else the first.
 */
import type { RealtimeFunctionTool } from 'openai/resources/realtime/realtime';
import type { SessionTool, ToolChoice } from './config.ts';

/** The server option `toolPlan`. */
export type ToolPlan = 'auto' | 'always' | 'never';

/** Inputs of {@link planToolCalls}. */
export interface ToolPlanInput {
  tools: readonly SessionTool[];
  toolChoice: ToolChoice;
  parallelToolCalls: boolean;
  toolPlan: ToolPlan;
  /** Type/role of the last item in the response's input context, e.g. `message:user`, `function_call_output`, or null. */
  lastInputKind: string | null;
}

/** A function tool with a name (the only kind the mock calls). */
export type CallableTool = RealtimeFunctionTool & { name: string };

function isCallable(t: SessionTool): t is CallableTool {
  return (t.type === undefined || t.type === 'function') && typeof (t as RealtimeFunctionTool).name === 'string';
}

/** The function tools the response calls, in order (empty: speak instead). */
export function planToolCalls(input: ToolPlanInput): CallableTool[] {
  const functions = input.tools.filter(isCallable);
  const choice = input.toolChoice;
  if (functions.length === 0 || choice === 'none') return [];
  if (typeof choice === 'object') {
    if (choice.type !== 'function') return [];
    const named = functions.find((t) => t.name === choice.name);
    return named ? [named] : [];
  }
  let call: boolean;
  if (choice === 'required') call = true;
  else if (input.toolPlan === 'never') call = false;
  else if (input.toolPlan === 'always') call = true;
  else call = input.lastInputKind === 'message:user';
  if (!call) return [];
  return input.parallelToolCalls ? functions : functions.slice(0, 1);
}
