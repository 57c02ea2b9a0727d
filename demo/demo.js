// The demo is the widget: this page only asks for a name and puts <cignal-call> on it.
const form = document.getElementById('start');
const roomId = new URLSearchParams(location.search).get('roomId');
if (roomId) document.getElementById('start-button').textContent = 'Join the room';

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const call = document.createElement('cignal-call');
  const name = document.getElementById('name').value.trim();
  if (name) call.setAttribute('peer-name', name);
  // Without room-id the element joins ?roomId= from this URL, or starts a room with a share link.
  document.getElementById('call').replaceChildren(call);
  form.hidden = true;
  call.addEventListener('cignal-state-change', ({ detail }) => {
    document.title = detail.state === 'in-call' ? 'In a call — Cignal' : 'Cignal — video call';
  });
});
