// Browser bundles for the CDN routes, built from tsc's output in dist/.
// The inputs match the package's public entry points (package.json "exports").
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The SDK asks socket.io for WebSocket and HTTP long-polling only, so engine.io's WebTransport
 * transport (about 0.6 KB gzip) is left out of the bundles.
 */
const withoutWebTransport = {
  name: 'without-webtransport',
  resolveId(source, importer) {
    return source === './webtransport.js' && importer?.includes('engine.io-client') ? '\0no-webtransport' : null;
  },
  load(id) {
    return id === '\0no-webtransport' ? 'export const WT = undefined;' : null;
  },
};

/**
 * HTTP long-polling over fetch() instead of XMLHttpRequest (about 0.8 KB gzip less): engine.io's
 * transport table becomes { websocket, polling: Fetch }, so `transports: ['websocket', 'polling']`
 * and `tryAllTransports` in sdk/signal-client.ts work as before, with the same requests on the
 * wire (GET/POST, text/plain bodies, same query). Every browser with RTCPeerConnection has fetch.
 */
const fetchPolling = {
  name: 'fetch-polling',
  resolveId(source, importer) {
    if (!importer?.includes('engine.io-client')) return null;
    if (source === './transports/index.js') return `\0eio-transports:${dirname(importer)}/transports/`;
    // The XHR transport is then used by nothing; its module would still run (an unload listener, a probe XHR).
    if (source.includes('polling-xhr')) return '\0no-xhr';
    return null;
  },
  load(id) {
    if (id === '\0no-xhr') return 'export const XHR = undefined;';
    if (!id.startsWith('\0eio-transports:')) return null;
    const dir = id.slice('\0eio-transports:'.length);
    return `import { WS } from '${dir}websocket.js';\nimport { Fetch } from '${dir}polling-fetch.js';\nexport const transports = { websocket: WS, polling: Fetch };`;
  },
  transform(code, id) {
    if (!id.endsWith('/engine.io-client/build/esm/transports/polling-fetch.js')) return null;
    // Cookies as with XHR: XHR with withCredentials false still sends and stores cookies for the
    // same origin (sticky-session cookies of a load balancer), fetch's "omit" would not.
    const omit = 'this.opts.withCredentials ? "include" : "omit"';
    if (!code.includes(omit)) this.error('engine.io-client polling-fetch.js changed: check its credentials mode');
    return { code: code.replace(omit, 'this.opts.withCredentials ? "include" : "same-origin"'), map: null };
  },
};

/**
 * socket.io-parser for text packets only (about 0.5 KB gzip less than the whole parser, and 0.3 KB
 * less than the parser with its binary attachments stubbed out): every message the SDK and the
 * server exchange is JSON (the protocol's schemas; `sendData` goes over the call's data channel),
 * so socket.io never has a Blob or an ArrayBuffer to carry. Packets are encoded and decoded as by
 * socket.io-parser 4 (the code below is its own, without the attachments), with the same checks;
 * a binary event or ack, or a binary frame, from a server is a parse error, as it already was
 * without the attachments (socket.io then closes and reconnects). The module exports only what
 * socket.io-client uses: its namespace import would otherwise keep the whole module.
 */
const textOnlySocketParser = {
  name: 'text-only-socket-parser',
  load(id) {
    if (!id.endsWith('/socket.io-parser/build/esm/index.js')) return null;
    return `import { Emitter } from '@socket.io/component-emitter';
const RESERVED_EVENTS = ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'];
export const protocol = 5;
export const PacketType = { CONNECT: 0, DISCONNECT: 1, EVENT: 2, ACK: 3, CONNECT_ERROR: 4, BINARY_EVENT: 5, BINARY_ACK: 6 };
export class Encoder {
  encode(obj) {
    let str = '' + obj.type;
    if (obj.nsp && '/' !== obj.nsp) str += obj.nsp + ',';
    if (null != obj.id) str += obj.id;
    if (null != obj.data) str += JSON.stringify(obj.data);
    return [str];
  }
}
const isObject = (value) => Object.prototype.toString.call(value) === '[object Object]';
function isPayloadValid(type, payload) {
  switch (type) {
    case PacketType.CONNECT: return isObject(payload);
    case PacketType.DISCONNECT: return payload === undefined;
    case PacketType.CONNECT_ERROR: return typeof payload === 'string' || isObject(payload);
    case PacketType.EVENT: return Array.isArray(payload) && (typeof payload[0] === 'number' || (typeof payload[0] === 'string' && RESERVED_EVENTS.indexOf(payload[0]) === -1));
    case PacketType.ACK: return Array.isArray(payload);
  }
}
export class Decoder extends Emitter {
  add(obj) {
    if (typeof obj !== 'string') throw new Error('Unknown type: ' + obj);
    super.emitReserved('decoded', this.decodeString(obj));
  }
  decodeString(str) {
    let i = 0;
    const p = { type: Number(str.charAt(0)) };
    if (!(p.type <= PacketType.CONNECT_ERROR)) throw new Error('unknown packet type ' + p.type);
    if ('/' === str.charAt(i + 1)) {
      const start = i + 1;
      while (++i) {
        const c = str.charAt(i);
        if (',' === c) break;
        if (i === str.length) break;
      }
      p.nsp = str.substring(start, i);
    } else {
      p.nsp = '/';
    }
    const next = str.charAt(i + 1);
    if ('' !== next && Number(next) == next) {
      const start = i + 1;
      while (++i) {
        const c = str.charAt(i);
        if (null == c || Number(c) != c) {
          --i;
          break;
        }
        if (i === str.length) break;
      }
      p.id = Number(str.substring(start, i + 1));
    }
    if (str.charAt(++i)) {
      let payload;
      try {
        payload = JSON.parse(str.substr(i));
      } catch {
        payload = false;
      }
      if (isPayloadValid(p.type, payload)) p.data = payload;
      else throw new Error('invalid payload');
    }
    return p;
  }
  destroy() {}
}
`;
  },
};

/**
 * engine.io-parser's packets as text only (about 0.3 KB gzip less): with socket.io-parser
 * for text only (above), engine.io is never handed a Blob or an ArrayBuffer to
 * send, so the Blob and base64 encoders and the base64 table go. Received binary is still read
 * (an ArrayBuffer over WebSocket, base64 over polling, decoded with atob), should a server send it.
 */
const textOnlyEngineParser = {
  name: 'text-only-engine-parser',
  resolveId(source, importer) {
    if (!importer?.includes('engine.io-parser')) return null;
    if (source === './encodePacket.js') return `\0eio-encode:${dirname(importer)}/`;
    if (source === './decodePacket.js') return `\0eio-decode:${dirname(importer)}/`;
    return null;
  },
  load(id) {
    const at = id.indexOf(':');
    const [kind, dir] = [id.slice(0, at), id.slice(at + 1)];
    if (kind === '\0eio-encode') {
      return [
        `import { PACKET_TYPES } from '${dir}commons.js';`,
        "export const encodePacket = ({ type, data }, _supportsBinary, callback) => callback(PACKET_TYPES[type] + (data || ''));",
        "export const encodePacketToBinary = (packet, callback) => encodePacket(packet, false, (text) => callback(new TextEncoder().encode(text)));",
      ].join('\n');
    }
    if (kind === '\0eio-decode') {
      return [
        `import { ERROR_PACKET, PACKET_TYPES_REVERSE } from '${dir}commons.js';`,
        "const binary = (data, binaryType) => (binaryType === 'blob' ? (data instanceof Blob ? data : new Blob([data])) : data instanceof ArrayBuffer ? data : data.buffer);",
        'export const decodePacket = (encoded, binaryType) => {',
        "  if (typeof encoded !== 'string') return { type: 'message', data: binary(encoded, binaryType) };",
        "  if (encoded[0] === 'b') return { type: 'message', data: binary(Uint8Array.from(atob(encoded.slice(1)), (c) => c.charCodeAt(0)), binaryType) };",
        '  const type = PACKET_TYPES_REVERSE[encoded[0]];',
        '  if (!type) return ERROR_PACKET;',
        '  return encoded.length > 1 ? { type, data: encoded.slice(1) } : { type };',
        '};',
      ].join('\n');
    }
    return null;
  },
};

/**
 * engine.io-client's URI parser on the browser's URL (about 0.3 KB gzip less) instead of a
 * regular expression written for browsers without it. socket.io-client and engine.io-client
 * read `protocol` (without its colon), `host` (the hostname, an IPv6 address without brackets),
 * `port`, `path` and `query` of it; what they do with them is unchanged. An address without a
 * scheme (engine.io's `host` option) is read as http.
 */
const urlParse = {
  name: 'url-parse',
  resolveId(source, importer) {
    return source === './contrib/parseuri.js' && importer?.includes('engine.io-client') ? '\0eio-parseuri' : null;
  },
  load(id) {
    if (id !== '\0eio-parseuri') return null;
    return [
      'export function parse(source) {',
      "  if (source.length > 8000) throw 'URI too long';",
      "  const url = new URL(/^[a-z][a-z\\d+.-]*:\\/\\//i.test(source) ? source : `http://${source}`);",
      "  const host = url.hostname.replace(/^\\[(.*)\\]$/, '$1');",
      "  return { source, protocol: url.protocol.slice(0, -1), host, port: url.port, path: url.pathname, query: url.search.slice(1), ipv6uri: host.includes(':') };",
      '}',
    ].join('\n');
  },
};

/**
 * engine.io-client without its upgrade machinery (about 0.6 KB gzip less): the probe of a better
 * transport once connected (`_probe`, `_filterUpgrades`, the polling transport's `pause`, the
 * close that waits for an upgrade) and `rememberUpgrade`. The SDK opens with WebSocket and falls
 * back to polling only when WebSocket fails (`tryAllTransports`); engine.io drops the failed
 * WebSocket from that connection's transports, so it has never probed anything on it (and a
 * WebSocket connection has nothing to upgrade to). Each reconnect tries WebSocket first again, so
 * a network that lets WebSocket through later gets it then. The SDK says `upgrade: false`.
 */
const withoutUpgrades = {
  name: 'without-upgrades',
  transform(code, id) {
    const file = id.match(/\/engine\.io-client\/build\/esm\/(socket|transports\/polling)\.js$/)?.[1];
    if (!file) return null;
    const fail = (what) => this.error(`engine.io-client ${file}.js changed (${what.split("\n")[0]}): check what without-upgrades leaves out`);
    /** Replaces `from` (its only occurrence); a string pair [start, end] cuts from start up to end, end kept. */
    const cut = (text, from, to = '') => {
      if (Array.isArray(from)) {
        const start = text.indexOf(from[0]);
        const end = text.indexOf(from[1], start);
        if (start < 0 || end < 0 || text.indexOf(from[0], start + 1) >= 0) fail(from[0].trim());
        return text.slice(0, start) + to + text.slice(end);
      }
      if (text.split(from).length !== 2) fail(from.trim());
      return text.replace(from, () => to);
    };
    let out = code;
    if (file === 'transports/polling') {
      out = cut(out, ['    pause(onPause) {', '    /**\n     * Starts polling cycle.']);
      out = cut(out, '            this.emitReserved("pollComplete");\n');
    } else {
      out = cut(out, '        this._upgrades = [];\n');
      out = cut(out, /* _open */ `this.opts.rememberUpgrade &&
            Socket.priorWebsocketSuccess &&
            this.transports.indexOf("websocket") !== -1
            ? "websocket"
            : this.transports[0]`, 'this.transports[0]');
      out = cut(out, ['    /**\n     * Probes a transport.', '    /**\n     * Called when connection is deemed open.']);
      out = cut(out, /* onOpen */ `        Socket.priorWebsocketSuccess = "websocket" === this.transport.name;
        this.emitReserved("open");
        this.flush();
        if ("open" === this.readyState && this.opts.upgrade) {
            for (let i = 0; i < this._upgrades.length; i++) {
                this._probe(this._upgrades[i]);
            }
        }
`, '        this.emitReserved("open");\n        this.flush();\n');
      out = cut(out, '        this._upgrades = this._filterUpgrades(data.upgrades);\n');
      out = cut(out, /* flush */ '            !this.upgrading &&\n');
      out = cut(out, /* close */ ['        const cleanupAndClose = () => {', '        if ("opening" === this.readyState']);
      out = cut(out, /* close */ `            if (this.writeBuffer.length) {
                this.once("drain", () => {
                    if (this.upgrading) {
                        waitForUpgrade();
                    }
                    else {
                        close();
                    }
                });
            }
            else if (this.upgrading) {
                waitForUpgrade();
            }
            else {
                close();
            }
`, '            if (this.writeBuffer.length) this.once("drain", close);\n            else close();\n');
      out = cut(out, /* _onError */ '        Socket.priorWebsocketSuccess = false;\n');
      out = cut(out, ['    /**\n     * Filters upgrades,', '}\nSocket.protocol']);
    }
    // Whatever still speaks of upgrades is a part of the machinery this plugin has not seen.
    const left = out.match(/_probe|_upgrades|_filterUpgrades|\.upgrading|priorWebsocketSuccess|pollComplete|\bpause\(/);
    if (left) fail(`"${left[0]}" is still used`);
    return { code: out, map: null };
  },
};

/**
 * The element's styles without comments and indentation (Lit's css`` templates in our widget
 * modules). Their CSS has no quoted strings with spaces and no interpolations (checked here), so
 * collapsing whitespace changes nothing but the size. Line breaks stay, so the source maps hold.
 */
const compactStyles = {
  name: 'compact-styles',
  transform(code, id) {
    if (!id.includes('/dist/widget/')) return null;
    const compacted = code.replace(/\bcss `([^`]*)`/g, (_, body) => {
      if (body.includes('${')) this.error(`${id}: a css\`\` template with an interpolation; compact-styles cannot shorten it safely`);
      const lines = (text) => '\n'.repeat(text.split('\n').length - 1);
      const compact = body
        .replace(/\/\*[^]*?\*\//g, (comment) => lines(comment))
        .replace(/\s*([{};,>])\s*/g, (match, mark) => mark + lines(match))
        .replace(/:[ \t]+/g, ':')
        .replace(/\s+/g, (space) => lines(space) || ' ');
      return `css \`${compact}\``;
    });
    return compacted === code ? null : { code: compacted, map: null };
  },
};

/** The child nodes of an ESTree node (what rollup's `this.parse` returns). */
const children = (node) =>
  Object.values(node).flatMap((value) => (Array.isArray(value) ? value : [value])).filter((value) => value && typeof value.type === 'string');

/** `code` with each `[start, end, text]` replaced (ranges that do not overlap); null when there are none. */
function applyEdits(code, edits) {
  if (!edits.length) return null;
  let out = code;
  for (const [start, end, text] of edits.sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + text + out.slice(end);
  return { code: out, map: null };
}

/**
 * The element's Lit templates (html`` in our widget modules) with each run of whitespace between
 * tags, between attributes and in text made one character: a line break where the run had one
 * (so that the source maps hold), else a space. HTML shows such a run as one space wherever
 * white-space is not pre (no style of the element sets pre, and a template with <pre> or
 * <textarea> stops the build), so what is shown does not change; attribute values are left as
 * they are. Never removed altogether: a space between an inline element and its neighbour shows.
 */
const compactTemplates = {
  name: 'compact-templates',
  transform(code, id) {
    if (!id.includes('/dist/widget/') || !code.includes('html `') && !code.includes('html`')) return null;
    const edits = [];
    const visit = (node) => {
      if (node.type === 'TaggedTemplateExpression' && node.tag.type === 'Identifier' && node.tag.name === 'html') compact(node.quasi.quasis);
      children(node).forEach(visit);
    };
    const compact = (quasis) => {
      if (quasis.some((quasi) => /<(pre|textarea)\b|\\\s/i.test(quasi.value.raw))) this.error(`${id}: a template with <pre>, <textarea> or a line continuation; compact-templates cannot shorten it safely`);
      // In text, inside a tag, or inside a quoted attribute value (left as it is), across the pieces.
      let state = 'text';
      for (const quasi of quasis) {
        const raw = code.slice(quasi.start, quasi.end);
        if (raw !== quasi.value.raw) this.error(`${id}: a template piece is not where the parser says`);
        for (let i = 0; i < raw.length; i++) {
          const char = raw[i];
          if (state === '"' || state === "'") {
            if (char === state) state = 'tag';
            continue;
          }
          if (state === 'text' && char === '<' && /[a-z/!]/i.test(raw[i + 1] ?? '')) state = 'tag';
          else if (state === 'tag' && (char === '"' || char === "'")) state = char;
          else if (state === 'tag' && char === '>') state = 'text';
          if (!/\s/.test(char)) continue;
          let end = i;
          while (end < raw.length && /\s/.test(raw[end])) end++;
          if (end - i > 1) edits.push([quasi.start + i, quasi.start + end, raw.slice(i, end).replace(/[^\n]/g, '') || ' ']);
          i = end - 1;
        }
      }
    };
    visit(this.parse(code));
    return applyEdits(code, edits);
  },
};

/**
 * The SDK's and the element's own debug-level log lines (`log.debug(...)`, `this.#log.debug(...)`,
 * 33 of them: about 0.6 KB gzip in each bundle) are left out of the CDN bundles, which are what
 * production pages load; info, warnings and errors stay, and so does `Logger#debug` for a page's
 * own code. The package's modules (`import 'cignal'` through a bundler) keep every line: that is
 * where the step-by-step trace is (README, Logging). Their arguments are names, counts and
 * messages read from objects, nothing with an effect (checked here: no call inside).
 */
const withoutDebugLines = {
  name: 'without-debug-lines',
  transform(code, id) {
    if (!/\/dist\/(sdk|widget)\//.test(id) || !code.includes('.debug(')) return null;
    const edits = [];
    const isLog = (node) =>
      (node.type === 'Identifier' && node.name === 'log') ||
      (node.type === 'MemberExpression' && node.object.type === 'ThisExpression' && node.property.type === 'PrivateIdentifier' && node.property.name === 'log');
    const hasCall = (node) => node.type === 'CallExpression' || node.type === 'NewExpression' || children(node).some(hasCall);
    const visit = (node) => {
      const callee = node.type === 'CallExpression' ? node.callee : null;
      if (callee?.type === 'MemberExpression' && !callee.computed && callee.property.name === 'debug' && isLog(callee.object)) {
        if (node.arguments.some(hasCall)) this.error(`${id}: a debug line at ${node.start} computes its arguments with a call; without-debug-lines would drop it`);
        edits.push([node.start, node.end, 'void 0']);
        return;
      }
      children(node).forEach(visit);
    };
    visit(this.parse(code));
    return applyEdits(code, edits);
  },
};

/**
 * socket.io-client's Socket without what the SDK never calls (about 0.2 KB gzip less): the
 * catch-all listeners' methods (`onAny`, `prependAny`, `offAny`, `listenersAny` and their
 * `Outgoing` twins), the `volatile` and `compress` flags, and the queue behind the `retries`
 * option (the SDK sets no `retries`: its signals are acked with its own timeout and resent by the
 * engine, sdk/signal-client.ts). The fields those read stay, so socket.io's own code runs as before.
 * The build stops if one of them is no longer there (socket.io-client changed: check this list).
 */
const socketWithoutUnused = {
  name: 'socket-without-unused',
  transform(code, id) {
    if (!id.endsWith('/socket.io-client/build/esm/socket.js')) return null;
    const dropped = ['onAny', 'prependAny', 'offAny', 'listenersAny', 'onAnyOutgoing', 'prependAnyOutgoing', 'offAnyOutgoing', 'listenersAnyOutgoing', 'volatile', 'compress'];
    const emptied = ['_addToQueue', '_drainQueue'];
    const socket = this.parse(code).body.find((node) => node.type === 'ExportNamedDeclaration' && node.declaration?.type === 'ClassDeclaration' && node.declaration.id.name === 'Socket');
    const methods = socket?.declaration.body.body.filter((node) => node.type === 'MethodDefinition' && !node.static) ?? [];
    const edits = [];
    for (const name of [...dropped, ...emptied]) {
      const method = methods.find((node) => node.key.name === name);
      if (!method) this.error(`socket.io-client's Socket has no method ${name} any more: check socket-without-unused`);
      const body = name === '_addToQueue' ? "{ throw new Error('socket.io retries are left out of the Cignal bundles'); }" : '{}';
      edits.push(dropped.includes(name) ? [method.start, method.end, ''] : [method.value.body.start, method.value.body.end, body]);
    }
    return applyEdits(code, edits);
  },
};

/**
 * Parts loaded on demand are imported with static specifiers, which a page's own bundler follows
 * (a chunk of its own); in the CDN bundles they are loaded from `parts/<name>.js` beside the script
 * instead, as separate modules (built below, listed in sri.json), so that the bundle carries only
 * their loader: the element's picture-in-picture window (widget/parts/pip.ts, from widget/pip.ts)
 * and the SDK's recorder (sdk/recorder.ts, from sdk/recording.ts). `import.meta.url` is the
 * bundle's own URL (in the classic build, from document.currentScript).
 */
const parts = [
  { importer: '/dist/widget/pip.js', specifier: './parts/pip.js', part: 'parts/pip.js' },
  { importer: '/dist/sdk/recording.js', specifier: './recorder.js', part: 'parts/recorder.js' },
];
const partsBesideScript = {
  name: 'parts-beside-script',
  transform(code, id) {
    const found = parts.find(({ importer }) => id.endsWith(importer));
    if (!found) return null;
    const specifier = `import('${found.specifier}')`;
    if (!code.includes(specifier)) this.error(`${found.importer} no longer imports '${found.specifier}': check parts-beside-script`);
    return { code: code.replace(specifier, `import(new URL('${found.part}', import.meta.url).href)`), map: null };
  },
};

// The "browser" condition picks socket.io-client's build without the debug module.
const plugins = [partsBesideScript, socketWithoutUnused, withoutWebTransport, fetchPolling, textOnlySocketParser, textOnlyEngineParser, urlParse, withoutUpgrades, compactStyles, compactTemplates, withoutDebugLines, nodeResolve({ browser: true, exportConditions: ['browser', 'module', 'import', 'default'] })];
/**
 * Properties whose names start with one underscore and a letter are socket.io's and engine.io's
 * internals (`_readyState`, `_reconnecting`, `_anyListeners`, ...): renamed within each bundle
 * (about 0.2 KB gzip less). No name from outside the bundle has that shape: not the wire (socket.io
 * and engine.io packets, the handshake, our protocol), not the DOM, not our public API, not Lit's
 * `_$` names (the hydration support of Lit's server rendering patches those from outside).
 */
const internals = /^_[a-zA-Z]/;
const minify = (module) => terser({ ecma: 2020, module, compress: { passes: 3 }, mangle: { properties: { regex: internals } }, format: { comments: false } });

/**
 * The element's languages other than English, one per file of widget/languages (the list in
 * widget/language.ts must name the same ones: tests/e2e/languages.test.ts checks it).
 */
const languageTags = readdirSync('widget/languages')
  .filter((name) => name.endsWith('.ts'))
  .map((name) => name.slice(0, -'.ts'.length))
  .sort();

export default [
  {
    // The SDK alone, for pages that build their own UI.
    input: 'dist/sdk/index.js',
    output: { file: 'dist/cdn/cignal.js', format: 'es', sourcemap: true, plugins: [minify(true)] },
    plugins,
  },
  {
    // <cignal-call> with everything inside: Lit, the SDK, socket.io-client.
    input: 'dist/widget/index.js',
    output: [
      { file: 'dist/cdn/cignal-call.js', format: 'es', sourcemap: true, plugins: [minify(true)] },
      // For pages that cannot load modules: the same code, run at once, exposing `CignalWidget`.
      { file: 'dist/cdn/cignal-call.iife.js', format: 'iife', name: 'CignalWidget', sourcemap: true, plugins: [minify(false)] },
    ],
    plugins,
  },
  {
    // Each language's table as a module of its own, `export default` the table, loaded by the
    // element from `languages/<tag>.js` beside its script: outside the bundles and their budgets.
    input: Object.fromEntries(languageTags.map((tag) => [tag, `dist/widget/languages/${tag}.js`])),
    output: { dir: 'dist/cdn/languages', format: 'es', entryFileNames: '[name].js', plugins: [minify(true)] },
  },
  {
    // The parts loaded on demand from `parts/<name>.js` beside the script, outside the bundles and
    // their budgets (see parts-beside-script). They import nothing (picture-in-picture is handed
    // Lit and the element's pieces; the recorder needs only the browser), so they carry no copy.
    input: { pip: 'dist/widget/parts/pip.js', recorder: 'dist/sdk/recorder.js' },
    output: { dir: 'dist/cdn/parts', format: 'es', entryFileNames: '[name].js', sourcemap: true, plugins: [minify(true)] },
    plugins: [compactTemplates],
  },
];
