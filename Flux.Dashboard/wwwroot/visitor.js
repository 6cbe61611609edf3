// A person inside the storm: a real WebSocket from this browser to a Flux gateway, speaking protocol v1
// (docs/protocol.md): hello, identify, heartbeat, send, msg, gap, resume. Round trips are measured here, in the
// browser, so what the panel shows is what a person gets. The DOM under `root` is this module's own; Blazor only
// starts and stops it.

// What each close code means and what a client does next (docs/protocol.md, "Close codes").
const closeCodes = {
  1000: ["closed normally", "stop"],
  1001: ["draining: the gateway is shutting down", "resume"],
  1002: ["protocol error", "stop"],
  1003: ["unsupported data", "stop"],
  1006: ["the connection broke (no close frame)", "resume"],
  1007: ["invalid payload", "stop"],
  1008: ["policy violation", "stop"],
  1009: ["frame too large", "stop"],
  1011: ["internal error (Redis unavailable)", "resume"],
  1013: ["shed: the gateway is overloaded", "resume"],
  4001: ["unknown op", "stop"],
  4002: ["undecodable frame", "stop"],
  4003: ["not authenticated", "identify"],
  4004: ["invalid or expired token", "stop"],
  4005: ["already authenticated", "stop"],
  4007: ["invalid session: the session or the guild's state is gone", "identify"],
  4008: ["rate limited", "stop"],
  4009: ["heartbeat timeout", "resume"],
  4010: ["too many connections of this user", "stop"],
  4011: ["too many connections from this address", "stop"],
  4012: ["slow consumer: the send queue overflowed", "resume"],
};

const feedSize = 50;
const eventsKept = 40;

export function start(root, pass, dotnet) {
  const visitor = new Visitor(root, pass, dotnet);
  visitor.connect();
  return visitor;
}

class Visitor {
  constructor(root, pass, dotnet) {
    this.root = root;
    this.pass = pass;
    this.dotnet = dotnet;
    this.gateway = 0;
    this.session = null;
    this.last = null;          // the last seq received in the guild (null before ready)
    this.missing = 0;          // seqs skipped without a gap frame: a loss the person would notice
    this.duplicates = 0;
    this.announced = 0;        // seqs a gap frame said would never come
    this.feed = [];            // the last messages, newest first
    this.arrivals = [];        // arrival times of the last second, for messages per second
    this.own = new Map();      // nonce -> { sentAt, row }
    this.ownRows = [];
    this.roundTrips = [];
    this.nextNonce = 1;
    this.events = [];
    this.stopped = false;
    this.attempt = 0;
    this.connection = 0;       // which connection this is, so a round trip never spans a reconnect
    this.identified = false;   // ready or resumed on the current connection: sends may go
    this.render();
    this.timer = setInterval(() => this.paint(), 250);
  }

  connect() {
    if (this.stopped) return;
    const url = this.pass.gateways[this.gateway % this.pass.gateways.length];
    const socket = new WebSocket(url);
    this.socket = socket;
    this.connection++;
    this.identified = false;
    this.event(`connecting to ${url}`);
    socket.onmessage = e => {
      let frame;
      try {
        frame = JSON.parse(e.data);
      } catch {
        this.event("a frame that is not JSON was ignored", "bad");
        return;
      }
      this.onFrame(frame);
    };
    socket.onclose = e => this.onClose(socket, e.code, e.reason);
    socket.onerror = () => {};
  }

  onFrame(frame) {
    switch (frame.op) {
      case "hello":
        this.heartbeatMs = frame.heartbeat_ms;
        this.event(`hello (heartbeat every ${frame.heartbeat_ms} ms)`);
        if (this.session) {
          const seqs = {};
          if (this.last !== null) seqs[this.pass.guild] = this.last;
          this.write({ op: "resume", token: this.pass.token, session: this.session, seqs });
        } else {
          this.write({ op: "identify", token: this.pass.token });
        }
        clearInterval(this.heartbeat);
        this.heartbeat = setInterval(() => this.write({ op: "heartbeat" }), Math.max(50, frame.heartbeat_ms * 0.75));
        break;
      case "ready": {
        this.session = frame.session;
        const guild = (frame.guilds || []).find(g => g.id === this.pass.guild);
        this.last = guild ? guild.seq : 0;
        this.attempt = 0;
        this.identified = true;
        this.event(`ready: joined ${this.pass.guild} at seq ${this.last} as ${frame.user}`, "good");
        break;
      }
      case "resumed":
        this.attempt = 0;
        this.identified = true;
        this.event(`resumed on ${this.gatewayName()} with ${frame.replayed} replayed`, "good");
        break;
      case "msg":
        this.onMessage(frame);
        break;
      case "gap":
        if (frame.guild === this.pass.guild) {
          this.announced += frame.to - frame.from + 1;
          if (this.last !== null && frame.to > this.last) this.last = frame.to;
          this.event(`gap: seqs ${frame.from}–${frame.to} will never come`, "bad");
        }
        break;
      case "error": {
        const mine = frame.nonce && this.own.get(frame.nonce);
        if (mine) mine.error = frame.code;
        this.event(`error ${frame.code}${frame.nonce ? ` for ${frame.nonce}` : ""}: ${frame.reason}`, "bad");
        break;
      }
    }
  }

  onMessage(m) {
    if (m.guild !== this.pass.guild) return;
    const now = performance.now();
    if (this.last !== null) {
      if (m.seq <= this.last) { this.duplicates++; return; }
      if (m.seq > this.last + 1) {
        this.missing += m.seq - this.last - 1;
        this.event(`missing seqs ${this.last + 1}–${m.seq - 1}`, "bad");
      }
    }
    this.last = m.seq;
    this.arrivals.push(now);
    const mine = m.from === this.pass.user ? this.own.get(m.nonce) : undefined;
    if (mine && mine.seq === undefined) {
      mine.seq = m.seq;
      mine.roundTrip = now - mine.sentAt;
      // An echo that came back over a later connection (replayed by a resume) timed the outage, not the path: shown,
      // marked, and kept out of the round trips the report gets.
      mine.acrossReconnect = mine.connection !== this.connection;
      if (!mine.acrossReconnect) {
        this.roundTrips.push(mine.roundTrip);
        if (this.pass.stormId) {
          this.dotnet.invokeMethodAsync("Echoed", this.pass.stormId, this.pass.user, m.seq, mine.roundTrip).catch(() => {});
        }
      }
    }
    this.feed.unshift({ seq: m.seq, from: m.from, body: m.body, at: Date.now(), mine: !!mine });
    if (this.feed.length > feedSize) this.feed.length = feedSize;
  }

  onClose(socket, code, reason) {
    if (socket !== this.socket) return;
    clearInterval(this.heartbeat);
    this.identified = false;
    const [meaning, action] = closeCodes[code] || ["", code >= 4000 ? "stop" : "resume"];
    this.event(`closed ${code}${meaning ? ` (${meaning})` : ""}${reason ? `: ${reason}` : ""}`, "bad");
    if (this.stopped || action === "stop") {
      if (!this.stopped) this.event("not reconnecting: the close says to fix the cause first");
      return;
    }
    if (action === "identify") {
      this.session = null;
      this.last = null;
    }
    // Resume on the next gateway: the one that closed may be gone (killed, draining).
    this.gateway++;
    // Backing off, with jitter so that many pages do not come back in step. A shed close (1013) says how long to stay
    // away ("resume after 5000 ms", docs/protocol.md "Load shedding"): sooner would only be shed again.
    let delay = Math.min(5000, 250 * 2 ** this.attempt++) * (0.75 + Math.random() * 0.5);
    const hint = code === 1013 ? / after (\d{1,6}) ms$/.exec(reason || "") : null;
    if (hint && Number(hint[1]) <= 600000) delay = Math.max(delay, Number(hint[1]) * (1 + Math.random() * 0.5));
    setTimeout(() => this.connect(), delay);
  }

  send(body) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN || !this.identified) {
      this.event("not connected: the message was not sent", "bad");
      return false;
    }
    const nonce = `v-${this.nextNonce++}`;
    const sent = { nonce, body, sentAt: performance.now(), connection: this.connection };
    this.own.set(nonce, sent);
    this.ownRows.unshift(sent);
    if (this.ownRows.length > feedSize) this.own.delete(this.ownRows.pop().nonce);
    this.write({ op: "send", guild: this.pass.guild, nonce, body, ts: Date.now() });
    return true;
  }

  stop() {
    this.stopped = true;
    clearInterval(this.heartbeat);
    clearInterval(this.timer);
    if (this.socket) this.socket.close(1000, "the visitor left");
    this.event("left");
    this.paint();
  }

  write(frame) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  gatewayName() {
    return this.pass.gateways[this.gateway % this.pass.gateways.length];
  }

  event(text, kind = "") {
    this.events.unshift({ at: new Date(), text, kind });
    if (this.events.length > eventsKept) this.events.length = eventsKept;
  }

  // The panel's fixed parts, built once; paint() fills them in four times a second, however fast messages come.
  render() {
    this.root.innerHTML = `
      <div class="visitor-status" data-testid="visitor-status"></div>
      <form class="visitor-send" data-testid="visitor-send">
        <input type="text" maxlength="500" placeholder="Say something to the guild" data-testid="visitor-input" />
        <button type="submit" data-testid="visitor-send-button">Send</button>
      </form>
      <div class="visitor-columns">
        <div><h3>Your messages</h3><table class="visitor-own"><thead><tr><th>nonce</th><th>seq</th><th>round trip</th></tr></thead><tbody data-testid="visitor-own"></tbody></table></div>
        <div><h3>Connection</h3><ol class="visitor-events" data-testid="visitor-events"></ol></div>
      </div>
      <h3>The guild · <span data-testid="visitor-rate"></span></h3>
      <div class="visitor-scroll"><table class="visitor-feed"><thead><tr><th>seq</th><th>from</th><th>body</th><th>age</th></tr></thead><tbody data-testid="visitor-feed"></tbody></table></div>`;
    this.root.querySelector("form").addEventListener("submit", e => {
      e.preventDefault();
      const input = this.root.querySelector("input");
      if (input.value.trim() && this.send(input.value)) input.value = "";
    });
  }

  paint() {
    const now = performance.now();
    while (this.arrivals.length && this.arrivals[0] < now - 1000) this.arrivals.shift();
    const connected = this.socket && this.socket.readyState === WebSocket.OPEN && this.identified;
    const sorted = [...this.roundTrips].sort((a, b) => a - b);
    const p50 = sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : null;
    const status = this.root.querySelector("[data-testid=visitor-status]");
    status.dataset.missing = this.missing;
    status.dataset.duplicates = this.duplicates;
    status.dataset.last = this.last ?? "";
    status.dataset.connected = connected ? "true" : "false";
    status.textContent = `${this.pass.user} in ${this.pass.guild} · ${connected ? `connected to ${this.gatewayName()}` : this.stopped ? "left" : "reconnecting"}`
      + ` · last seq ${this.last ?? "–"} · missing ${this.missing} · duplicates ${this.duplicates} · announced gaps ${this.announced}`
      + (p50 === null ? "" : ` · your round trips p50 ${p50.toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`);
    this.root.querySelector("[data-testid=visitor-rate]").textContent = `${this.arrivals.length} messages/s`;
    this.root.querySelector("[data-testid=visitor-own]").innerHTML = this.ownRows.map(o =>
      `<tr data-nonce="${o.nonce}" data-seq="${escape(o.seq ?? "")}" data-rtt="${o.roundTrip ?? ""}"><td>${o.nonce}</td><td>${escape(o.seq ?? (o.error ? o.error : "…"))}</td><td>${o.roundTrip === undefined ? "" : `${o.roundTrip.toFixed(1)} ms${o.acrossReconnect ? " (across a reconnect)" : ""}`}</td></tr>`).join("");
    this.root.querySelector("[data-testid=visitor-events]").innerHTML = this.events.map(e =>
      `<li class="${e.kind}">${e.at.toLocaleTimeString()} ${escape(e.text)}</li>`).join("");
    const wall = Date.now();
    this.root.querySelector("[data-testid=visitor-feed]").innerHTML = this.feed.map(m =>
      `<tr data-seq="${escape(m.seq)}" data-from="${escape(m.from)}" class="${m.mine ? "mine" : ""}"><td>${escape(m.seq)}</td><td>${escape(m.from)}</td><td>${escape(m.body.slice(0, 40))}</td><td>${((wall - m.at) / 1000).toFixed(1)} s</td></tr>`).join("");
  }
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
