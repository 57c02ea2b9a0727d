// The chat panel of <cignal-call>: short messages sent with `inform`, oldest first with the newest
// next to the message box, opened and closed from the chat button (which counts what arrived while
// it was closed). New lines are added at the end, so the live region announces only them.
import { css, html, type TemplateResult } from 'lit';
import type { Message } from './chat.js';
import { icon } from './icons.js';
import type { CignalLabels } from './labels.js';

export interface ChatPanel {
  messages: readonly Message[];
  /** Whether a message can be sent now (the other person is in the room). */
  enabled: boolean;
  submit(event: SubmitEvent): void;
  close(): void;
}

/** Escape closes the panel, unless it ends an input method's composition. */
export const escapeCloses = (close: () => void) => (event: KeyboardEvent) => {
  if (event.key !== 'Escape' || event.isComposing) return;
  event.preventDefault();
  event.stopPropagation();
  close();
};

export const chatPanel = (l: CignalLabels, chat: ChatPanel): TemplateResult =>
  html`<section part="chat" id="chat" aria-label=${l.chat} @keydown=${escapeCloses(chat.close)}>
    <div class="chat-head">
      <h2>${l.chat}</h2>
      <button part="close-chat-button" class="icon" aria-label=${l.close} data-tip=${l.close} @click=${chat.close}>${icon('close')}</button>
    </div>
    <ol part="messages" aria-label=${l.messages} aria-live="polite">
      ${chat.messages.map((m) => html`<li><b>${m.own ? l.you : m.name || l.peer}:</b> ${m.text}</li>`)}
    </ol>
    <form part="message-form" @submit=${chat.submit}>
      <input part="message-input" name="message" aria-label=${l.message} placeholder=${l.message} autocomplete="off" maxlength="500" ?disabled=${!chat.enabled} />
      <button part="send-button" ?disabled=${!chat.enabled}>${l.send}</button>
    </form>
  </section>`;

export const chatStyles = css`
  [part~='chat'] {
    display: flex;
    flex-direction: column;
    min-width: 0;
    min-height: 12rem;
    padding: 0.5rem;
    border-radius: var(--_radius);
    background: var(--_surface);
  }
  .chat-head {
    display: flex;
    align-items: center;
    justify-content: space-between;
  }
  h2 {
    margin: 0 0.25rem;
    font-size: 1rem;
  }
  form {
    display: flex;
    gap: 0.5rem;
    margin: 0.5rem 0;
  }
  [part~='send-button'] {
    background: var(--_accent);
    color: #fff;
    font-weight: 600;
  }
  input {
    flex: 1;
    min-width: 0;
    border-color: currentColor;
    background: var(--_bg);
  }
  ol {
    flex: 1;
    max-height: 20rem;
    margin: 0;
    padding: 0 0.25rem;
    overflow-y: auto;
    list-style: none;
    overflow-wrap: anywhere;
  }
`;
