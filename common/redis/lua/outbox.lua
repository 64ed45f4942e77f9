-- Lua: outbox_append(key, id, type, event) adds one entry to the stream `key`. Never trimmed
-- here: an event is removed only once delivered.
local function outbox_append(key, id, type, event)
  redis.call('XADD', key, '*', 'id', id, 'type', type, 'event', event)
end
