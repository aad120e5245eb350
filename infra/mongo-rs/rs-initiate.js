// Initiates one replica set and creates its administrator and taskflow's user; safe to
// run again and again (compose runs it as the first member's health check). Run it on a
// member over localhost: before any user exists, the localhost exception is what lets
// it initiate the set and create the first user.
//   RS_NAME=rs0 RS_PORT=27017 RS_MEMBERS=mongo1,mongo2,mongo3 MONGO_ADMIN_USER=admin \
//   MONGO_ADMIN_PASSWORD=... MONGO_APP_USER=taskflow MONGO_APP_PASSWORD=... \
//   mongosh --quiet --port 27017 rs-initiate.js
// Exits 0 once the set has a primary, 1 before.
const name = process.env.RS_NAME || "rs0";
const port = process.env.RS_PORT || "27017";
const hosts = (process.env.RS_MEMBERS || "mongo1,mongo2,mongo3").split(",").map((h) => `${h}:${port}`);
const adminUser = process.env.MONGO_ADMIN_USER;
const adminPassword = process.env.MONGO_ADMIN_PASSWORD;
const admin = db.getSiblingDB("admin");

if (adminUser) {
  try {
    admin.auth(adminUser, adminPassword); // fails until the user exists: the localhost exception serves then
  } catch (e) {}
}

let initiated = true;
try {
  rs.status();
} catch (e) {
  if (e.codeName !== "NotYetInitialized") throw e;
  initiated = false;
}
if (!initiated) {
  rs.initiate({
    _id: name,
    configsvr: process.env.RS_CONFIGSVR === "true",
    members: hosts.map((host, i) => ({ _id: i, host: host, priority: i === 0 ? 2 : 1 })),
  });
  print(`initiated ${name}: ${hosts.join(", ")}`);
}

const hello = db.hello();
if (hello.isWritablePrimary && adminUser && admin.getUser(adminUser) === null) {
  admin.createUser({ user: adminUser, pwd: adminPassword, roles: ["root"] });
  admin.auth(adminUser, adminPassword);
  print(`created ${adminUser}`);
}
// taskflow's own user: read and write its database, nothing else. (On a sharded cluster
// the user lives on mongos, made by mongos-init.js; shards need only the administrator.)
const appUser = process.env.MONGO_APP_USER;
if (hello.isWritablePrimary && appUser && admin.getUser(appUser) === null) {
  admin.createUser({
    user: appUser,
    pwd: process.env.MONGO_APP_PASSWORD,
    roles: [{ role: "readWrite", db: process.env.MONGO_APP_DB || "taskflow" }],
  });
  print(`created ${appUser}`);
}
quit(hello.primary ? 0 : 1);
