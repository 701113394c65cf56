/**
 * Answering function calls with the scenario's scripted results (§3.6). A call is answerable on
 * `response.output_item.done` of a `function_call` item with status `completed` — what the Agents
 * SDK treats as callable (§8.3). Outputs are sent once the response is done, followed by one
 * `response.create` (only one response may run in the default conversation, §8.4).
 */
import type { ScriptedTool } from '../contract.ts';
import type { ClientEventBuilder, WithEventId } from '../protocol/client-events.ts';
import type { ConversationItemCreateEvent } from 'openai/resources/realtime/realtime';

/** A function call to answer: its `call_id` and tool name. */
export interface PendingCall {
  callId: string;
  name: string;
}

/**
 * The function call carried by a `response.output_item.done` event's item, if it is a completed
 * `function_call` with a `call_id`; null otherwise.
 */
export function completedFunctionCall(item: unknown): PendingCall | null {
  if (typeof item !== 'object' || item === null) return null;
  const it = item as { type?: unknown; status?: unknown; call_id?: unknown; name?: unknown };
  if (it.type !== 'function_call' || typeof it.call_id !== 'string') return null;
  // A missing status is accepted (lenient); an explicit non-completed one is not callable.
  if (it.status !== undefined && it.status !== 'completed') return null;
  return { callId: it.call_id, name: typeof it.name === 'string' ? it.name : '' };
}

/**
 * The `function_call_output` events answering `calls`: each tool's scripted result, or
 * `{"error":"unknown tool <name>"}` for a tool the scenario did not script (the conversation goes
 * on; the model sees the error, as with a real app).
 */
export function toolOutputs(
  calls: readonly PendingCall[],
  tools: readonly ScriptedTool[],
  builder: ClientEventBuilder,
): WithEventId<ConversationItemCreateEvent>[] {
  return calls.map((call) => {
    const tool = tools.find((t) => t.name === call.name);
    return builder.functionCallOutput(call.callId, tool ? tool.result : { error: `unknown tool ${call.name}` });
  });
}
