// On mongos, over localhost: creates the cluster's administrator and taskflow's user
// (stored on the config servers), then adds the two shard sets. Idempotent; compose runs
// it as the mongos health check. Exits 0 once both shards are in the cluster.
//   MONGO_ADMIN_USER=admin MONGO_ADMIN_PASSWORD=... MONGO_APP_USER=taskflow MONGO_APP_PASSWORD=... \
//   SHARDS="shard-a/shard-a1:27018,shard-a2:27018,shard-a3:27018;shard-b/shard-b1:27018,shard-b2:27018,shard-b3:27018" \
//   mongosh --quiet --port 27017 mongos-init.js
const admin = db.getSiblingDB("admin");
const adminUser = process.env.MONGO_ADMIN_USER;
const adminPassword = process.env.MONGO_ADMIN_PASSWORD;
try {
  admin.auth(adminUser, adminPassword);
} catch (e) {
  admin.createUser({ user: adminUser, pwd: adminPassword, roles: ["root"] }); // localhost exception
  admin.auth(adminUser, adminPassword);
  print(`created ${adminUser}`);
}
const appUser = process.env.MONGO_APP_USER;
if (appUser && admin.getUser(appUser) === null) {
  admin.createUser({
    user: appUser,
    pwd: process.env.MONGO_APP_PASSWORD,
    roles: [{ role: "readWrite", db: process.env.MONGO_APP_DB || "taskflow" }],
  });
  print(`created ${appUser}`);
}
const wanted = (process.env.SHARDS || "").split(";").filter(Boolean);
const known = db.getSiblingDB("config").shards.find().toArray().map((s) => s._id);
for (const shard of wanted) {
  const shardName = shard.split("/")[0];
  if (!known.includes(shardName)) {
    sh.addShard(shard);
    print(`added ${shardName}`);
  }
}
quit(db.getSiblingDB("config").shards.countDocuments() >= wanted.length ? 0 : 1);
