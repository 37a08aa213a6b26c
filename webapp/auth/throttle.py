"""Login throttling in Redis: one atomic check-and-count per attempt, per account and per address."""

from dataclasses import dataclass

import redis

# Refuse when either counter has reached its limit; otherwise count this attempt in both at once.
# A counter lives for the lock window from its first attempt (a fixed window).
RESERVE = """
for i = 1, 2 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[i]) then return 0 end
end
for i = 1, 2 do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('EXPIRE', KEYS[i], ARGV[3]) end
end
return 1
"""
# A successful login clears the account's count and gives the address its attempt back.
SUCCEEDED = """
redis.call('DEL', KEYS[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
return 1
"""


class ThrottleUnavailable(RuntimeError):
    """The counters cannot be reached: logins are refused rather than left unthrottled."""


@dataclass(frozen=True)
class LoginThrottle:
    """Counters of login attempts under namespace; an address may try several accounts."""

    client: redis.Redis
    namespace: str
    max_failures: int
    lock_minutes: int
    ip_factor: int = 4

    def _keys(self, username: str, ip: str) -> list[str]:
        base = f"{self.namespace}:login"
        return [f"{base}:user:{username.strip().lower()}", f"{base}:ip:{ip}"]

    def reserve(self, username: str, ip: str) -> bool:
        """Count one attempt, atomically; False (nothing counted) when a limit is already reached."""
        limits = (self.max_failures, self.max_failures * self.ip_factor, self.lock_minutes * 60)
        try:
            return bool(self.client.eval(RESERVE, 2, *self._keys(username, ip), *limits))
        except redis.RedisError as exc:
            raise ThrottleUnavailable(str(exc)) from exc

    def succeeded(self, username: str, ip: str) -> None:
        """The attempt was right: forget the account's failures, return the address's attempt."""
        try:
            self.client.eval(SUCCEEDED, 2, *self._keys(username, ip))
        except redis.RedisError as exc:
            raise ThrottleUnavailable(str(exc)) from exc
