// The Lua scripts of the Redis room store: each change to the rooms is one script, so it is
// atomic across every server of a cluster.

/*
 * Keys (P is the prefix; ids hold no control characters, so "\n" separates them):
 *   P rooms            sorted set: room id, scored by its creation time
 *   P room:<room>      hash: peer id -> the seat as JSON (with `node` and `kept`, the bytes kept for it)
 *   P kept:<room>\n<peer>  list: messages kept while the seat is away, as JSON
 *   P kept-bytes       the bytes kept over every seat
 *   P deadlines        sorted set: "<room>\n<peer>", scored by when the seat's grace ends
 *   P nodes            hash: server id -> until when it counts as alive
 *   P node:<id>        set: "<room>\n<peer>" of the seats whose socket is on that server
 */
export const COMMON = `
local P = ARGV[1]
local function roomKey(r) return P .. 'room:' .. r end
local function keptKey(r, p) return P .. 'kept:' .. r .. '\\n' .. p end
local function isnull(v) return v == nil or v == cjson.null end
local function split(m)
  local nl = string.find(m, '\\n', 1, true)
  return string.sub(m, 1, nl - 1), string.sub(m, nl + 1)
end
local function other(r, p)
  local all = redis.call('HGETALL', roomKey(r))
  for i = 1, #all, 2 do
    if all[i] ~= p then return all[i + 1] end
  end
  return false
end
local function forget(r, p, seat)
  redis.call('DEL', keptKey(r, p))
  if seat.kept and seat.kept > 0 then redis.call('DECRBY', P .. 'kept-bytes', seat.kept) end
end
local function free(r, p, seat)
  local member = r .. '\\n' .. p
  redis.call('HDEL', roomKey(r), p)
  redis.call('ZREM', P .. 'deadlines', member)
  if not isnull(seat.node) then redis.call('SREM', P .. 'node:' .. seat.node, member) end
  forget(r, p, seat)
  if redis.call('EXISTS', roomKey(r)) == 0 then redis.call('ZREM', P .. 'rooms', r) end
end
local function deadline(member, seat)
  if isnull(seat.awayUntil) then
    redis.call('ZREM', P .. 'deadlines', member)
  else
    redis.call('ZADD', P .. 'deadlines', seat.awayUntil, member)
  end
end
-- The seat of member m, if server n's socket still speaks for it, starts its grace.
local function startGrace(m, n, now, grace)
  local r, p = split(m)
  local raw = redis.call('HGET', roomKey(r), p)
  if not raw then return end
  local seat = cjson.decode(raw)
  if seat.node == n and isnull(seat.awayUntil) then
    seat.awayUntil = now + grace
    redis.call('HSET', roomKey(r), p, cjson.encode(seat))
    deadline(m, seat)
  end
end
-- Server n is gone (stopped, or counted out): the seats its sockets spoke for start their grace.
local function releaseNode(n, now, grace)
  for _, m in ipairs(redis.call('SMEMBERS', P .. 'node:' .. n)) do
    startGrace(m, n, now, grace)
  end
  redis.call('DEL', P .. 'node:' .. n)
  redis.call('HDEL', P .. 'nodes', n)
end
-- The seat of peer p in room r, if socket s speaks for it.
local function held(r, p, s)
  local raw = redis.call('HGET', roomKey(r), p)
  if not raw then return nil end
  local seat = cjson.decode(raw)
  if seat.socketId ~= s then return nil end
  return seat, raw
end
`;

export const SCRIPTS = {
  // ARGV: P, room, seat JSON, capacity, now, the hash of the seat secret sent (or ''), whether a
  // join token names the peer (1/0). Returns {0} when full, {2} when the seat is held and the claim
  // does not prove it (nothing changed), else {1, previous, partner, freed, secret kept (1/0)} where
  // freed lists {seat, partner} of the room's other seats whose grace had ended by now (not swept
  // yet): they no longer count against the capacity.
  join: `
local r, seat = ARGV[2], cjson.decode(ARGV[3])
local p, rk = seat.peerId, roomKey(ARGV[2])
local member = r .. '\\n' .. p
local now = tonumber(ARGV[5])
local prevRaw = redis.call('HGET', rk, p)
local kept = 0
if prevRaw then
  local prev = cjson.decode(prevRaw)
  if isnull(prev.awayUntil) or prev.awayUntil > now then
    -- Hashes of 256-bit secrets: comparing them tells a guesser nothing of the secret. The secret
    -- keeps the seat's secret (also beside a token); a token for the peer id alone renews it.
    if ARGV[6] ~= '' and ARGV[6] == prev.secretHash then
      kept = 1
    elseif ARGV[7] ~= '1' and (prev.welcomed or prev.session ~= seat.session) then
      return {2}
    end
  end
end
local freed = {}
local all = redis.call('HGETALL', rk)
for i = 1, #all, 2 do
  if all[i] ~= p then
    local s = cjson.decode(all[i + 1])
    if not isnull(s.awayUntil) and s.awayUntil <= now then
      free(r, all[i], s)
      table.insert(freed, {all[i + 1], other(r, all[i])})
    end
  end
end
if not prevRaw and redis.call('HLEN', rk) >= tonumber(ARGV[4]) then return {0} end
seat.kept = 0
seat.welcomed = kept == 1
if prevRaw then
  local prev = cjson.decode(prevRaw)
  if prev.session == seat.session then seat.joinedAt = prev.joinedAt end
  if kept == 1 then seat.secretHash = prev.secretHash end
  seat.kept = prev.kept or 0
  if not isnull(prev.node) and prev.node ~= seat.node then redis.call('SREM', P .. 'node:' .. prev.node, member) end
end
redis.call('HSET', rk, p, cjson.encode(seat))
redis.call('ZADD', P .. 'rooms', 'NX', seat.joinedAt, r)
redis.call('SADD', P .. 'node:' .. seat.node, member)
deadline(member, seat)
return {1, prevRaw, other(r, p), freed, kept}
`,
  // ARGV: P, room, peer, socket, previous seat JSON or ''. Returns 1 when undone.
  undoJoin: `
local r, p = ARGV[2], ARGV[3]
local seat = held(r, p, ARGV[4])
if not seat then return 0 end
local member = r .. '\\n' .. p
if ARGV[5] == '' then
  free(r, p, seat)
  return 1
end
local prev = cjson.decode(ARGV[5])
prev.kept = seat.kept
redis.call('HSET', roomKey(r), p, cjson.encode(prev))
if not isnull(seat.node) then redis.call('SREM', P .. 'node:' .. seat.node, member) end
if not isnull(prev.node) then redis.call('SADD', P .. 'node:' .. prev.node, member) end
deadline(member, prev)
return 1
`,
  // ARGV: P, room, peer, socket. Returns nil when the socket no longer holds the seat, else {partner, {kept...}}.
  settle: `
local r, p = ARGV[2], ARGV[3]
local seat = held(r, p, ARGV[4])
if not seat then return false end
local kept = redis.call('LRANGE', keptKey(r, p), 0, -1)
forget(r, p, seat)
seat.kept = 0
seat.awayUntil = cjson.null
seat.welcomed = true
redis.call('HSET', roomKey(r), p, cjson.encode(seat))
redis.call('ZREM', P .. 'deadlines', r .. '\\n' .. p)
return {other(r, p), kept}
`,
  // ARGV: P, room, peer, socket. Returns nil, or {seat, partner}.
  leave: `
local r, p = ARGV[2], ARGV[3]
local seat, raw = held(r, p, ARGV[4])
if not seat then return false end
free(r, p, seat)
return {raw, other(r, p)}
`,
  // ARGV: P, room, peer, socket, until. Returns 1 when the seat is now away.
  drop: `
local r, p = ARGV[2], ARGV[3]
local seat = held(r, p, ARGV[4])
if not seat then return 0 end
seat.awayUntil = tonumber(ARGV[5])
redis.call('HSET', roomKey(r), p, cjson.encode(seat))
deadline(r .. '\\n' .. p, seat)
return 1
`,
  // ARGV: P, room, peer, message JSON, always (1/0), bytes per seat, bytes in all.
  // Returns {1} when kept, {2} when dropped (over the bounds), {0, socket} when the peer is there, {0} when the seat is gone.
  keep: `
local r, p, message = ARGV[2], ARGV[3], ARGV[4]
local raw = redis.call('HGET', roomKey(r), p)
if not raw then return {0} end
local seat = cjson.decode(raw)
if isnull(seat.awayUntil) then return {0, seat.socketId} end
local bytes = #message
local kept = seat.kept or 0
if ARGV[5] ~= '1' then
  local total = tonumber(redis.call('GET', P .. 'kept-bytes') or '0')
  if kept + bytes > tonumber(ARGV[6]) or total + bytes > tonumber(ARGV[7]) then return {2} end
end
redis.call('RPUSH', keptKey(r, p), message)
redis.call('INCRBY', P .. 'kept-bytes', bytes)
seat.kept = kept + bytes
redis.call('HSET', roomKey(r), p, cjson.encode(seat))
return {1}
`,
  // ARGV: P, now, grace, this node, node ttl, limit. Returns {{room, seat, partner}...} for the seats freed.
  expire: `
local now, grace = tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('HSET', P .. 'nodes', ARGV[4], now + tonumber(ARGV[5]))
local nodes = redis.call('HGETALL', P .. 'nodes')
for i = 1, #nodes, 2 do
  local n = nodes[i]
  if tonumber(nodes[i + 1]) < now then
    releaseNode(n, now, grace)
  end
end
local freed = {}
for _, m in ipairs(redis.call('ZRANGEBYSCORE', P .. 'deadlines', '-inf', now, 'LIMIT', 0, tonumber(ARGV[6]))) do
  local r, p = split(m)
  local raw = redis.call('HGET', roomKey(r), p)
  local seat = raw and cjson.decode(raw)
  if not seat or isnull(seat.awayUntil) then
    redis.call('ZREM', P .. 'deadlines', m)
  elseif seat.awayUntil > now then
    redis.call('ZADD', P .. 'deadlines', seat.awayUntil, m)
  else
    free(r, p, seat)
    table.insert(freed, {r, raw, other(r, p)})
  end
end
return freed
`,
  // ARGV: P, this node, now, grace. The seats this server's sockets speak for start their grace.
  release: `
local n, now, grace = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
releaseNode(n, now, grace)
return 1
`,
  // ARGV: P, this node, now, grace, capacity, [[room, seat]...] as JSON, node ttl.
  reconcile: `
local n, now, grace = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('HSET', P .. 'nodes', n, now + tonumber(ARGV[7]))
local here = {}
for _, entry in ipairs(cjson.decode(ARGV[6])) do
  local r, seat = entry[1], entry[2]
  local member = r .. '\\n' .. seat.peerId
  here[member] = true
  local raw = redis.call('HGET', roomKey(r), seat.peerId)
  if not raw then
    if redis.call('HLEN', roomKey(r)) < tonumber(ARGV[5]) then
      seat.node = n
      seat.kept = 0
      redis.call('HSET', roomKey(r), seat.peerId, cjson.encode(seat))
      redis.call('ZADD', P .. 'rooms', 'NX', seat.joinedAt, r)
      redis.call('SADD', P .. 'node:' .. n, member)
    end
  else
    -- Still this socket's seat, but counted out while this server could not beat (the outage
    -- outlasted the server expiry): it is connected, so it is not away.
    local stored = cjson.decode(raw)
    if stored.socketId == seat.socketId and not isnull(stored.awayUntil) then
      stored.awayUntil = cjson.null
      stored.node = n
      redis.call('HSET', roomKey(r), seat.peerId, cjson.encode(stored))
      redis.call('ZREM', P .. 'deadlines', member)
      redis.call('SADD', P .. 'node:' .. n, member)
    end
  end
end
for _, m in ipairs(redis.call('SMEMBERS', P .. 'node:' .. n)) do
  if not here[m] then startGrace(m, n, now, grace) end
end
return 1
`,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
