// Shards taskflow's `tasks` on {user_id: "hashed", _id: 1}, exactly as `taskflow migrate`
// does when it is connected to a mongos (src/taskflow/adapters/mongo/sharding.py,
// decision 0019). For operators who shard before the first deploy; idempotent.
//   TASKFLOW_DB=taskflow mongosh "mongodb://admin:...@mongos:27017/admin" shard-tasks.js
const dbName = process.env.TASKFLOW_DB || "taskflow";
const namespace = `${dbName}.tasks`;
const key = { user_id: "hashed", _id: 1 };
const existing = db.getSiblingDB("config").collections.findOne({ _id: namespace, dropped: { $ne: true } });
if (existing) {
  if (JSON.stringify(existing.key) !== JSON.stringify(key)) {
    throw new Error(`${namespace} is sharded on ${JSON.stringify(existing.key)}: resharding is a separate decision`);
  }
  print(`${namespace} already sharded on ${JSON.stringify(key)}`);
} else {
  sh.enableSharding(dbName);
  db.getSiblingDB(dbName).tasks.createIndex(key, { name: "shard_key" });
  sh.shardCollection(namespace, key);
  print(`sharded ${namespace} on ${JSON.stringify(key)}`);
}
