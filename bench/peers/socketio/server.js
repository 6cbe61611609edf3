// A plain Socket.IO 4 guild chat scaled out with the Redis adapter, set up as the Socket.IO docs show.
// Environment: Auth__SigningKey (base64 HS256 key), Redis (host:port, default 127.0.0.1:6379), PORT (default 5320).
import { createServer } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import jwt from "jsonwebtoken";
import { createClient } from "redis";
import { Server } from "socket.io";

const MAX_GUILD_CHARS = 128;
const MAX_NONCE_CHARS = 128;
const MAX_BODY_CHARS = 4000;

const port = Number(process.env.PORT ?? 5320);
const redisAddress = process.env.Redis ?? "127.0.0.1:6379";
const signingKey = readSigningKey(process.env.Auth__SigningKey);

const pubClient = createClient({ url: `redis://${redisAddress}` });
const subClient = pubClient.duplicate();
// node-redis emits 'error' on every failed (re)connect; an unheard 'error' event would end the process.
pubClient.on("error", (err) => console.error("redis pub:", err.message));
subClient.on("error", (err) => console.error("redis sub:", err.message));
await Promise.all([pubClient.connect(), subClient.connect()]);

const httpServer = createServer((req, res) => {
  // Socket.IO answers /socket.io/ itself; every other request lands here.
  if (req.method === "GET" && req.url === "/health") {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  } else {
    res.writeHead(404).end();
  }
});

const io = new Server(httpServer, {
  transports: ["websocket"],
  adapter: createAdapter(pubClient, subClient),
});

// Refusing here makes the client receive a CONNECT_ERROR packet: 44{"message":"unauthorized: ..."}.
io.use((socket, next) => {
  const token = socket.handshake.auth?.token;
  if (typeof token !== "string" || token === "") {
    next(new Error("unauthorized: no token"));
    return;
  }
  let claims;
  try {
    claims = jwt.verify(token, signingKey, {
      algorithms: ["HS256"],
      issuer: "flux",
      audience: "flux-gateway",
      clockTolerance: 60,
    });
  } catch (err) {
    next(new Error(`unauthorized: ${err.message}`));
    return;
  }
  // jsonwebtoken accepts a token without 'exp'; Flux does not.
  if (typeof claims.exp !== "number") {
    next(new Error("unauthorized: token has no 'exp'"));
  } else if (typeof claims.sub !== "string" || claims.sub === "") {
    next(new Error("unauthorized: token has no 'sub'"));
  } else if (!Array.isArray(claims.guilds) || !claims.guilds.every((g) => typeof g === "string")) {
    next(new Error("unauthorized: 'guilds' must be an array of strings"));
  } else {
    socket.data.user = claims.sub;
    socket.data.guilds = claims.guilds;
    next();
  }
});

io.on("connection", (socket) => {
  const { user, guilds } = socket.data;
  socket.join(guilds);
  socket.emit("ready", { guilds });

  socket.on("send", (payload) => {
    const problem = checkSend(payload, guilds);
    if (problem) {
      const nonce = typeof payload?.nonce === "string" ? payload.nonce : null;
      socket.emit("error_frame", { ...problem, nonce });
      return;
    }
    const { guild, nonce, body, ts } = payload;
    io.to(guild).emit("message", { guild, nonce, body, ts, user });
  });
});

httpServer.listen(port, "127.0.0.1");

// Returns { code, message } for an invalid send, or null for a valid one.
function checkSend(payload, guilds) {
  if (typeof payload !== "object" || payload === null) {
    return { code: "invalid_field", message: "payload must be an object {guild, nonce, body, ts}" };
  }
  const { guild, nonce, body, ts } = payload;
  if (typeof guild !== "string" || guild.length === 0 || guild.length > MAX_GUILD_CHARS) {
    return { code: "invalid_field", message: `'guild' must have 1 to ${MAX_GUILD_CHARS} characters` };
  }
  if (typeof nonce !== "string" || nonce.length === 0 || nonce.length > MAX_NONCE_CHARS) {
    return { code: "invalid_field", message: `'nonce' must have 1 to ${MAX_NONCE_CHARS} characters` };
  }
  if (typeof body !== "string") {
    return { code: "invalid_field", message: "'body' must be a string" };
  }
  if (body.length > MAX_BODY_CHARS) {
    return { code: "body_too_long", message: `'body' has ${body.length} characters; the limit is ${MAX_BODY_CHARS}` };
  }
  if (!Number.isSafeInteger(ts)) {
    return { code: "invalid_field", message: "'ts' must be an integer (microseconds)" };
  }
  if (!guilds.includes(guild)) {
    return { code: "forbidden_guild", message: `not a member of guild ${guild}` };
  }
  return null;
}

function readSigningKey(base64) {
  const hint = "set Auth__SigningKey to base64 of at least 32 random bytes";
  if (!base64 || base64.trim() === "") {
    throw new Error(`No token signing key: ${hint}.`);
  }
  // Buffer.from skips characters that are not base64, so check the text first.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64.trim())) {
    throw new Error(`The token signing key is not base64: ${hint}.`);
  }
  const key = Buffer.from(base64, "base64");
  if (key.length < 32) {
    throw new Error(`The token signing key has ${key.length} bytes: ${hint}.`);
  }
  return key;
}
