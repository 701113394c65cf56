/**
 * What the conversation said so far, kept small, to re-seed a new connection after the old one
 * expired or dropped (issue 4): each completed turn becomes a user text message (the clip's
 * transcript) and an assistant text message (the received transcript/text). Assistant audio
 * cannot be created by a client (§2.2), so text stands in for it.
 */
import type { ConversationItemCreateEvent } from 'openai/resources/realtime/realtime';
import type { ClientEventBuilder, WithEventId } from '../protocol/client-events.ts';

/** Completed turns, most recent last, at most `maxTurns`. */
export class ConversationHistory {
  private readonly entries: { user: string; assistant: string }[] = [];

  /** @param maxTurns turns kept (oldest dropped first). */
  constructor(private readonly maxTurns: number) {}

  /** Records a completed turn. Empty sides are skipped when re-seeding. */
  add(userText: string, assistantText: string): void {
    if (this.maxTurns <= 0) return;
    this.entries.push({ user: userText, assistant: assistantText });
    if (this.entries.length > this.maxTurns) this.entries.shift();
  }

  /** Turns held. */
  get size(): number {
    return this.entries.length;
  }

  /** The `conversation.item.create` events that rebuild the history, in conversation order. */
  reseedEvents(builder: ClientEventBuilder): WithEventId<ConversationItemCreateEvent>[] {
    const out: WithEventId<ConversationItemCreateEvent>[] = [];
    for (const e of this.entries) {
      if (e.user) out.push(builder.userMessage(e.user));
      if (e.assistant) out.push(builder.assistantMessage(e.assistant));
    }
    return out;
  }
}
