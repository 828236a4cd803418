/**
 * Metagraph steps of the storage suite: a round trip through every metagraph
 * table, JSON path queries on attributes, and the foreign-key rules.
 *
 * @module
 */
import assert from "node:assert/strict";
import { and, eq, sql } from "drizzle-orm";
import {
  edges,
  edgeTypes,
  graphs,
  graphTypes,
  type HubDb,
  isForeignKeyViolation,
  isUniqueViolation,
  nodes,
  nodeTypes,
} from "../../src/storage/mod.ts";
import { type Target, withDatabase } from "./_target.ts";

/** A call graph: two node types, one edge type, one graph with two nodes and an edge. */
async function seedCallGraph(db: HubDb) {
  const [graphType] = await db.insert(graphTypes).values({
    name: "call-graph",
    scope: "system",
    config: { type: "directed", multi: true, allowSelfLoops: false },
    schema: { $id: "call-graph" },
  }).returning();
  const [call, operation] = await db.insert(nodeTypes).values([
    { graphTypeId: graphType.id, name: "call", schema: { type: "object" } },
    { graphTypeId: graphType.id, name: "operation" },
  ]).returning();
  const [invokes] = await db.insert(edgeTypes).values({
    graphTypeId: graphType.id,
    name: "invokes",
    sourceNodeTypeId: call.id,
    targetNodeTypeId: operation.id,
  }).returning();
  const [graph] = await db.insert(graphs).values({
    graphTypeId: graphType.id,
    ownerId: "account-1",
    projectId: "project-1",
    attributes: { title: "run 1" },
  }).returning();
  const [callNode, opNode] = await db.insert(nodes).values([
    {
      graphId: graph.id,
      nodeTypeId: call.id,
      key: "req-1",
      attributes: { status: "done", cost: { tokens: 42 }, tags: ["llm"] },
    },
    { graphId: graph.id, nodeTypeId: operation.id, key: "coord.spawn", attributes: {} },
  ]).returning();
  const [edge] = await db.insert(edges).values({
    graphId: graph.id,
    edgeTypeId: invokes.id,
    sourceId: callNode.id,
    targetId: opNode.id,
    attributes: { ms: 12 },
  }).returning();
  return { graphType, call, operation, invokes, graph, callNode, opNode, edge };
}

/** Registers the metagraph steps under `t`. */
export async function metagraphSteps(t: Deno.TestContext, target: Target): Promise<void> {
  await t.step("a metagraph round trip, queried by JSON path", async () => {
    await withDatabase(target, async ({ db }) => {
      const seeded = await seedCallGraph(db);
      const [type] = await db.select().from(graphTypes).where(eq(graphTypes.name, "call-graph"));
      assert.deepEqual(type.config, { type: "directed", multi: true, allowSelfLoops: false });
      assert.equal(type.version, 1);

      const byPath = await db.select({ key: nodes.key }).from(nodes).where(and(
        eq(nodes.graphId, seeded.graph.id),
        sql`${nodes.attributes} #>> '{cost,tokens}' = '42'`,
      ));
      assert.deepEqual(byPath, [{ key: "req-1" }]);
      const byJsonPath = await db.select({ key: nodes.key }).from(nodes)
        .where(sql`jsonb_path_exists(${nodes.attributes}, '$.cost.tokens ? (@ > 40)')`);
      assert.deepEqual(byJsonPath, [{ key: "req-1" }]);
      const [tagged] = await db.select({ status: sql<string>`${nodes.attributes}->>'status'` })
        .from(nodes).where(sql`${nodes.attributes}->'tags' ? 'llm'`);
      assert.equal(tagged.status, "done");

      const loaded = await db.query.graphs.findFirst({
        where: eq(graphs.id, seeded.graph.id),
        with: { graphType: true, nodes: true, edges: { with: { source: true, target: true } } },
      });
      assert.equal(loaded?.graphType.name, "call-graph");
      assert.deepEqual(loaded?.attributes, { title: "run 1" });
      assert.equal(loaded?.nodes.length, 2);
      assert.equal(loaded?.edges[0].source.key, "req-1");
      assert.equal(loaded?.edges[0].target.key, "coord.spawn");
      assert.deepEqual(loaded?.edges[0].attributes, { ms: 12 });
    });
  });

  await t.step("node keys are unique per graph and edges stay inside their graph", async () => {
    await withDatabase(target, async ({ db }) => {
      const seeded = await seedCallGraph(db);
      await assert.rejects(
        db.insert(nodes).values({
          graphId: seeded.graph.id,
          nodeTypeId: seeded.call.id,
          key: "req-1",
        }),
        isUniqueViolation,
      );
      const [other] = await db.insert(graphs).values({ graphTypeId: seeded.graphType.id })
        .returning();
      const [elsewhere] = await db.insert(nodes)
        .values({ graphId: other.id, nodeTypeId: seeded.call.id, key: "req-1" }).returning();
      await assert.rejects(
        db.insert(edges).values({
          graphId: seeded.graph.id,
          edgeTypeId: seeded.invokes.id,
          sourceId: seeded.callNode.id,
          targetId: elsewhere.id,
        }),
        isForeignKeyViolation,
      );
      await assert.rejects(
        db.insert(nodeTypes).values({ graphTypeId: seeded.graphType.id, name: "call" }),
        isUniqueViolation,
      );
    });
  });

  await t.step("deletes cascade from graphs and nodes; used types are protected", async () => {
    await withDatabase(target, async ({ db }) => {
      const seeded = await seedCallGraph(db);
      await assert.rejects(
        db.delete(graphTypes).where(eq(graphTypes.id, seeded.graphType.id)),
        isForeignKeyViolation,
      );
      await assert.rejects(
        db.delete(nodeTypes).where(eq(nodeTypes.id, seeded.operation.id)),
        isForeignKeyViolation,
      );
      await db.delete(nodes).where(eq(nodes.id, seeded.opNode.id));
      assert.equal((await db.select().from(edges)).length, 0);
      assert.equal((await db.select().from(nodes)).length, 1);

      await db.delete(graphs).where(eq(graphs.id, seeded.graph.id));
      assert.equal((await db.select().from(nodes)).length, 0);

      // With no graphs left, deleting the type takes its node and edge types along.
      await db.delete(graphTypes).where(eq(graphTypes.id, seeded.graphType.id));
      assert.equal((await db.select().from(nodeTypes)).length, 0);
      assert.equal((await db.select().from(edgeTypes)).length, 0);
    });
  });
}
