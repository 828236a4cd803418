import { transfer } from "comlink";
import { HubError } from "@hub/errors";
import {
  type FromActor,
  llmProxyActor,
  type LlmProxyHandle,
  type LlmProxyOptions,
  type ProxyFailure,
  type ProxyRequest,
  type ProxyResponse,
  type ProxySummary,
} from "../../actors/llm_proxy/mod.ts";
import { type CatalogData, llmError } from "../../llm_catalog/mod.ts";
import { logger } from "../../logging/mod.ts";
import type { ActorSystem } from "../actors/mod.ts";

/** Where the messages of one proxied request go. */
export interface ProxySink {
  /** The upstream's whole response: non-streaming, or its error with a JSON body. */
  response(message: ProxyResponse): void;
  /** The request failed before any byte reached the client (or, by a fault, after). */
  failed(message: ProxyFailure): void;
  /** A stream starts with its first bytes; more chunks follow. */
  head(data: Uint8Array<ArrayBuffer>): void;
  chunk(data: Uint8Array): void;
  end(summary: ProxySummary): void;
  /** The actor serving the request died; `error` says so (`unavailable`, `actor_unavailable`). */
  lost(error: HubError): void;
}

/** What a request needs besides its id. */
export type ProxyRequestInput = Omit<ProxyRequest, "t" | "id">;

class Member {
  readonly handle: LlmProxyHandle;
  readonly calls = new Map<number, ProxySink>();
  port: MessagePort | undefined;

  constructor(handle: LlmProxyHandle) {
    this.handle = handle;
  }
}

/**
 * The supervisor's side of the llm-proxy pool: spawns the actors, gives each
 * a data port and the catalog, sends each request to the member with the
 * fewest in flight, and routes what comes back to the request's sink. When a
 * member dies its requests are told at once; the rest of the pool carries on,
 * and the member rejoins when its actor restarts.
 */
export class LlmProxyPool {
  readonly #members: Member[] = [];
  #catalog: CatalogData;
  #nextId = 1;
  #unsubscribe: (() => void) | undefined;
  #closed = false;

  private constructor(catalog: CatalogData) {
    this.#catalog = catalog;
  }

  /** Starts `size` actors and attaches them. */
  static async start(
    system: ActorSystem,
    size: number,
    options: LlmProxyOptions,
    catalog: CatalogData,
  ): Promise<LlmProxyPool> {
    const pool = new LlmProxyPool(catalog);
    pool.#unsubscribe = system.onStateChange(({ actor, previous }) => {
      const member = pool.#members.find((m) => m.handle.id === actor.id);
      if (!member) return;
      if (actor.state === "running" && previous !== "running") {
        pool.#attach(member).catch((error) =>
          logger("llm").error("Cannot attach {actorId}: {error}", { actorId: actor.id, error })
        );
      } else if (actor.state !== "running") {
        pool.#detach(member, `worker ${actor.lastError ?? actor.state}`);
      }
    });
    const handles = await Promise.all(
      Array.from({ length: size }, (_, i) => system.start(llmProxyActor(i, options))),
    );
    for (const handle of handles) pool.#members.push(new Member(handle));
    await Promise.all(pool.#members.map((member) => pool.#attach(member)));
    return pool;
  }

  /** Members ready to take requests. */
  get ready(): number {
    return this.#members.filter((m) => m.port !== undefined).length;
  }

  /** Requests in flight across the pool. */
  get inFlight(): number {
    return this.#members.reduce((sum, m) => sum + m.calls.size, 0);
  }

  /** Sends a new catalog to every member (and to members that rejoin later). */
  async configure(catalog: CatalogData): Promise<void> {
    this.#catalog = catalog;
    await Promise.all(
      this.#members.filter((m) => m.port).map((m) => m.handle.api.configure(catalog)),
    );
  }

  /** Sends `input` to a member; returns the function that aborts it (client gone). */
  dispatch(input: ProxyRequestInput, sink: ProxySink): () => void {
    let member: Member | undefined;
    for (const candidate of this.#members) {
      if (candidate.port && (!member || candidate.calls.size < member.calls.size)) {
        member = candidate;
      }
    }
    if (!member) {
      throw new HubError(
        "unavailable",
        this.#closed
          ? "Cannot proxy request: the LLM gateway is shutting down"
          : "Cannot proxy request: no llm-proxy actor is running",
      );
    }
    const id = this.#nextId++;
    const request = input as ProxyRequest;
    request.t = "req";
    request.id = id;
    member.calls.set(id, sink);
    member.port!.postMessage(request);
    const chosen = member;
    return () => {
      if (chosen.calls.has(id)) chosen.port?.postMessage({ t: "abort", id });
    };
  }

  /** Detaches from the actor system; the actors stop with it. */
  close(): void {
    this.#closed = true;
    this.#unsubscribe?.();
    for (const member of this.#members) this.#detach(member, "the hub is shutting down");
  }

  async #attach(member: Member): Promise<void> {
    if (this.#closed) return;
    this.#detach(member, "its worker was replaced");
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = (event: MessageEvent<FromActor>) => this.#receive(member, event.data);
    await member.handle.api.attach(transfer(port2, [port2]));
    // configure() skips a member without a port: until the port is set, resend
    // whatever catalog replaced the one just sent.
    let sent: CatalogData;
    do {
      sent = this.#catalog;
      await member.handle.api.configure(sent);
    } while (sent !== this.#catalog);
    member.port = port1;
  }

  #detach(member: Member, reason: string): void {
    const port = member.port;
    member.port = undefined;
    port?.close();
    if (member.calls.size === 0) return;
    const calls = [...member.calls.values()];
    member.calls.clear();
    const error = llmError(
      "unavailable",
      `Cannot finish request: actor "${member.handle.id}" ${reason}`,
      { reason: "actor_unavailable" },
    );
    for (const sink of calls) sink.lost(error);
  }

  #receive(member: Member, message: FromActor): void {
    const sink = member.calls.get(message.id);
    if (!sink) return;
    switch (message.t) {
      case "chunk":
        return sink.chunk(message.data);
      case "head":
        return sink.head(message.data);
      case "res":
        member.calls.delete(message.id);
        return sink.response(message);
      case "fail":
        member.calls.delete(message.id);
        return sink.failed(message);
      case "end":
        member.calls.delete(message.id);
        return sink.end(message.summary);
    }
  }
}
