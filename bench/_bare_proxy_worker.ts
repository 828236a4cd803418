/**
 * The Worker of {@linkcode startBareProxy}: forwards each request it gets on
 * its port to the upstream with `fetch` and posts the answer back.
 *
 * @module
 */
interface Setup {
  upstream: string;
  port: MessagePort;
}

const scope = globalThis as unknown as { onmessage: (event: MessageEvent<Setup>) => void };

scope.onmessage = ({ data }) => {
  const { upstream, port } = data;
  port.onmessage = async ({ data: request }: MessageEvent<{ id: number; body: string }>) => {
    const response = await fetch(upstream, {
      method: "POST",
      body: request.body,
      headers: { "content-type": "application/json", authorization: "Bearer sk-bench" },
    });
    const body = await response.arrayBuffer();
    port.postMessage({ id: request.id, status: response.status, body }, [body]);
  };
};
