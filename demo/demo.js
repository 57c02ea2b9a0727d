// The front page's behaviour. The demo is the widget: this page only asks for a name and puts
// <cignal-call> on it. Below, for whoever runs the server: copy buttons for the snippets the server
// wrote into the page, and a preview of the element that opens nothing until asked.
const form = document.getElementById('start');
const operator = document.getElementById('operator');
const preview = document.getElementById('preview');
// On a room's link (the server wrote data-page="invitation"), the page is only about joining.
const invited = document.body.dataset.page === 'invitation';
if (invited) document.getElementById('start-button').textContent = 'Join the room';

form.addEventListener('submit', (event) => {
  event.preventDefault();
  // The call is the page now: one element (the preview goes, leaving its room if it entered one),
  // no introduction, nothing for the operator.
  preview.replaceChildren();
  operator.hidden = document.getElementById('intro').hidden = true;
  const call = document.createElement('cignal-call');
  const name = document.getElementById('name').value.trim();
  if (name) call.setAttribute('peer-name', name);
  // Without room-id the element joins ?roomId= from this URL, or starts a room with a share link.
  document.getElementById('call').replaceChildren(call);
  call.addEventListener('cignal-state-change', ({ detail }) => {
    document.title = detail.state === 'in-call' ? 'In a call — Cignal' : 'Cignal — video call';
  });
});

/** Copies the text of `code`; where the page may not write to the clipboard, selects it instead. */
async function copy(code) {
  try {
    await navigator.clipboard.writeText(code.textContent);
    return true;
  } catch {
    // No clipboard API (a page on plain http other than localhost) or refused: the visitor copies.
    getSelection().selectAllChildren(code);
    return false;
  }
}

for (const button of document.querySelectorAll('button[data-copy]')) {
  let reset;
  button.addEventListener('click', async () => {
    const copied = await copy(document.getElementById(button.dataset.copy));
    button.textContent = copied ? 'Copied' : 'Selected: copy it';
    clearTimeout(reset);
    reset = setTimeout(() => (button.textContent = 'Copy'), 2_000);
  });
}

/** A fresh room id: 128 random bits, URL-safe, as the SDK makes them. */
function newRoomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * The preview: the real element on its pre-join screen with camera and microphone off, so that
 * nothing is opened, and no room entered, before the visitor asks. Join enters a room of its own.
 * Added once the page has loaded: its self-view plays a stream with no track yet, and Chromium
 * counts a video that waits for its first frame as part of the page's load.
 */
function showPreview() {
  if (invited || operator.hidden) return;
  const element = document.createElement('cignal-call');
  for (const [name, value] of [['prejoin', ''], ['audio', 'false'], ['video', 'false'], ['room-id', newRoomId()]]) element.setAttribute(name, value);
  preview.replaceChildren(element);
}
if (document.readyState === 'complete') showPreview();
else addEventListener('load', showPreview, { once: true });
