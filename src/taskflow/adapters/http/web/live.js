// The live stream of task changes, read with fetch: EventSource cannot send the bearer
// token. It keeps the last event id and resumes from it, as EventSource would, waiting
// as long as the server's `retry:` says.
import { token, trade } from "./api.js";
import { sleep } from "./dom.js";

const EVENTS = "/api/v1/tasks/events";

export class LiveTasks {
  #lastId = null;
  #retry = 3000;
  #stopped = new AbortController();

  /** `onEvent({type, data})` for each task change or reset; `onState("live" | "reconnecting" | "off")`. */
  constructor({ onEvent, onState }) {
    this.onEvent = onEvent;
    this.onState = onState;
  }

  start() {
    this.#run();
    return this;
  }

  stop() {
    this.#stopped.abort();
    this.onState("off");
  }

  async #run() {
    const signal = this.#stopped.signal;
    while (!signal.aborted) {
      try {
        const headers = { Accept: "text/event-stream", Authorization: `Bearer ${token()}` };
        if (this.#lastId) headers["Last-Event-ID"] = this.#lastId;
        const response = await fetch(EVENTS, { headers, signal, cache: "no-store" });
        if (response.status === 401) {
          if (!(await trade())) return this.stop();
          continue;
        }
        if (response.status === 400) {
          // An id this user's stream no longer takes: start afresh and reload what is shown.
          this.#lastId = null;
          this.onEvent({ type: "reset", data: null });
          continue;
        }
        if (response.ok && response.body) {
          this.onState("live");
          await this.#read(response.body, signal);
        }
      } catch (error) {
        if (signal.aborted) return undefined;
        if (error.name !== "TypeError") console.error("live updates:", error); // TypeError: the network
      }
      if (signal.aborted) return undefined;
      this.onState("reconnecting");
      await sleep(this.#retry, signal);
    }
    return undefined;
  }

  /** One event to the page; a fault in showing it is reported, and the stream goes on. */
  #dispatch(type, text) {
    try {
      this.onEvent({ type, data: JSON.parse(text) });
    } catch (error) {
      console.error("live updates: could not apply", type, error);
    }
  }

  async #read(body, signal) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    signal.addEventListener("abort", () => reader.cancel().catch(() => {}));
    let buffer = "";
    let type = "";
    let data = [];
    let id;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop();
      for (const line of lines) {
        if (line === "") {
          if (id !== undefined) this.#lastId = id;
          if (data.length) this.#dispatch(type || "message", data.join("\n"));
          type = "";
          data = [];
          id = undefined;
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const name = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (name === "event") type = text;
        else if (name === "data") data.push(text);
        else if (name === "id") id = text;
        else if (name === "retry" && /^\d+$/.test(text)) this.#retry = Number(text);
      }
    }
  }
}
