// The chat of <cignal-call>: the lines sent and received with `inform`, and how many arrived while
// the chat was closed. chat-panel.ts shows them.
import type { ReactiveControllerHost } from 'lit';
import type { Cignal } from '../sdk/index.js';

/** Messages kept; the oldest go first. */
const MAX_MESSAGES = 100;

/** A line of the message list. */
export interface Message {
  /** True for what this side sent. */
  own: boolean;
  /** The other person's display name when known; null for one's own. */
  name: string | null;
  text: string;
}

export class Chat {
  /** Oldest first. */
  messages: Message[] = [];
  /** Messages that came while the chat was closed. */
  unread = 0;

  readonly #host: ReactiveControllerHost;
  /** The room the lines are sent in, when there is one. */
  readonly #room: () => Cignal | null;

  constructor(host: ReactiveControllerHost, room: () => Cignal | null) {
    this.#host = host;
    this.#room = room;
  }

  /** Sends a line with `inform`; true when the server accepted it. */
  async send(text: string): Promise<boolean> {
    const cignal = this.#room();
    if (!cignal || !text.trim()) return false;
    const { success } = await cignal.inform(text);
    if (success) this.#add({ own: true, name: null, text });
    return success;
  }

  /** A line from the other person; it counts as unread unless the person sees the chat now. */
  receive(text: string, { seen }: { seen: boolean }): void {
    this.#add({ own: false, name: this.#room()?.data.remoteDisplayName ?? null, text });
    if (!seen) this.unread = Math.min(this.unread + 1, MAX_MESSAGES);
  }

  /** The chat was opened (which renders the element again): what came is read. */
  read(): void {
    this.unread = 0;
  }

  /** The session ended: its lines go. */
  clear(): void {
    this.messages = [];
    this.unread = 0;
  }

  #add(message: Message): void {
    this.messages = [...this.messages, message].slice(-MAX_MESSAGES);
    this.#host.requestUpdate();
  }
}
