-- KEYS: none (the quota keys are made from ARGV[1], the store's prefix).
-- ARGV: 1..5 QuotaArgs. Reads only: 1 when a write would be within the quota, else
-- {'QUOTA', retry seconds, what}.
--@include quota
local q = quota_check(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
if q[1] ~= 'OK' then return q end
return 1
