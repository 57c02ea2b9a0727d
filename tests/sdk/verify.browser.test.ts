/// <reference types="mocha" />
// The verification code from two descriptions: eight digits, the same whichever side computes it,
// different when a fingerprint differs, and null until both descriptions are there.
import { expect } from '@esm-bundle/chai';
import { verificationCode } from '../../sdk/verify.js';

const A = 'sha-256 1F:2E:3D:4C:5B:6A:79:88:97:A6:B5:C4:D3:E2:F1:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:01';
const B = 'sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99';
const sdp = (...fingerprints: string[]) => `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n${fingerprints.map((f) => `a=fingerprint:${f}\r\n`).join('')}m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n`;
const pc = (local: string | null, remote: string | null) =>
  ({ currentLocalDescription: local && { sdp: local }, currentRemoteDescription: remote && { sdp: remote } }) as unknown as RTCPeerConnection;

describe('verificationCode', () => {
  it('is eight digits in two groups, the same on both sides', async () => {
    const mine = await verificationCode(pc(sdp(A), sdp(B)));
    expect(mine).to.match(/^\d{4} \d{4}$/);
    expect(await verificationCode(pc(sdp(B), sdp(A)))).to.equal(mine);
  });

  it('ignores case and repeats (every m-section repeats the fingerprint), and counts every fingerprint line', async () => {
    const mine = await verificationCode(pc(sdp(A), sdp(B)));
    expect(await verificationCode(pc(sdp(A.toLowerCase(), A), sdp(B.replace('sha-256', 'SHA-256'))))).to.equal(mine);
    const second = 'sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33';
    expect(await verificationCode(pc(sdp(A, second), sdp(B)))).not.to.equal(mine);
  });

  it('changes when one fingerprint changes by one byte', async () => {
    const mine = await verificationCode(pc(sdp(A), sdp(B)));
    expect(await verificationCode(pc(sdp(A), sdp(B.replace('AA:', '00:'))))).not.to.equal(mine);
  });

  it('is null before both descriptions are negotiated, or without fingerprints', async () => {
    expect(await verificationCode(pc(sdp(A), null))).to.equal(null);
    expect(await verificationCode(pc(null, sdp(B)))).to.equal(null);
    expect(await verificationCode(pc(sdp(A), sdp()))).to.equal(null);
  });
});
