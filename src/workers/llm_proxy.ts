/** Worker entry of an llm-proxy actor: wires its data port and runs it. */
import {
  createLlmProxy,
  type LlmProxyApi,
  type LlmProxyOptions,
  type ToActor,
} from "../actors/llm_proxy/mod.ts";
import { runActor } from "./runtime.ts";

runActor<LlmProxyApi, LlmProxyOptions>((ctx) => {
  let port: MessagePort | undefined;
  const proxy = createLlmProxy({
    options: ctx.options,
    post: (message, transfer) => port?.postMessage(message, transfer ?? []),
  });
  ctx.onStop(() => proxy.abortAll());
  return {
    attach(next) {
      port?.close();
      port = next;
      port.onmessage = (event: MessageEvent<ToActor>) => proxy.handle(event.data);
    },
    configure: (catalog) => proxy.configure(catalog),
    stats: () => proxy.stats(),
  };
});
