"""The task store: MongoDB behind a Redis cache, with read-your-writes, in one package.

How a write becomes visible to its writer's next read, wherever that read is served:

1. A request (or job) runs in `consistency.request_tokens`, opened by the HTTP admission middleware with
   the token its client presented, if any. That context is the only shared state; it
   lives in `consistency.py` and nowhere else.
2. `mongo.MongoTaskRepository` writes in a causal session (`causal.CausalCollection`),
   which records the write's token (its `operationTime` and `$clusterTime`) in the context.
3. `cached.CachedTaskRepository`, around every write, drops the owner's cache entries and
   stores that token as the owner's last write (`cache.RedisTaskCache`, one Lua script).
4. A read looks up its entry and the owner's last write in one script; on a miss it reads
   MongoDB by a `consistency.ReadRule` no older than the later of that write and the
   presented token (`afterClusterTime`), or the primary while the record is unknown.
5. The admission middleware answers the request's newest written token as `X-Consistency-Token`.

Decisions 0016 (read-your-writes) and 0017 (the cache).
"""
