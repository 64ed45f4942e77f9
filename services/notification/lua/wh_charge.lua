-- Counts one write against the caller's quota and writes nothing else (SendTestEvent: the
-- quota is what bounds how often anyone makes rfs call a URL).
-- ARGV: 1..5 the caller's quota
-- Reply: {'OK'} | {'QUOTA', retry seconds, what}
--@include quota
local q = quota_check(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
if q[1] ~= 'OK' then return q end
quota_charge(q, ARGV[5])
return {'OK'}
