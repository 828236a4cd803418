CREATE TABLE "accounts" (
	"id" text PRIMARY KEY DEFAULT gen_random_uuid()::text NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"kind" text DEFAULT 'user' NOT NULL,
	"disabled_at" timestamp with time zone,
	CONSTRAINT "accounts_email_unique" UNIQUE("email"),
	CONSTRAINT "accounts_kind_check" CHECK ("accounts"."kind" in ('user', 'service'))
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY DEFAULT gen_random_uuid()::text NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"hash" text NOT NULL,
	"account_id" text,
	"organization_id" text,
	"scopes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"limits" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "api_keys_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
CREATE TABLE "audit_logs" (
	"id" text PRIMARY KEY DEFAULT gen_random_uuid()::text NOT NULL,
	"actor_key_id" text,
	"actor_account_id" text,
	"action" text NOT NULL,
	"target_type" text,
	"target_id" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "organization_members" (
	"id" text PRIMARY KEY DEFAULT gen_random_uuid()::text NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"organization_id" text NOT NULL,
	"account_id" text NOT NULL,
	"role" text DEFAULT 'member' NOT NULL,
	CONSTRAINT "organization_members_org_account_unique" UNIQUE("organization_id","account_id"),
	CONSTRAINT "organization_members_role_check" CHECK ("organization_members"."role" in ('owner', 'admin', 'member'))
);
--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" text PRIMARY KEY DEFAULT gen_random_uuid()::text NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	CONSTRAINT "organizations_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "edge_types" (
	"id" text PRIMARY KEY DEFAULT gen_random_uuid()::text NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"graph_type_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"schema" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source_node_type_id" text,
	"target_node_type_id" text,
	CONSTRAINT "edge_types_graph_type_name_unique" UNIQUE("graph_type_id","name")
);
--> statement-breakpoint
CREATE TABLE "edges" (
	"id" text PRIMARY KEY DEFAULT gen_random_uuid()::text NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"graph_id" text NOT NULL,
	"edge_type_id" text NOT NULL,
	"source_id" text NOT NULL,
	"target_id" text NOT NULL,
	"key" text,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "edges_graph_key_unique" UNIQUE("graph_id","key")
);
--> statement-breakpoint
CREATE TABLE "graph_types" (
	"id" text PRIMARY KEY DEFAULT gen_random_uuid()::text NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"scope" text DEFAULT 'tenant' NOT NULL,
	"owner_id" text,
	"config" jsonb DEFAULT '{"type":"directed","multi":false,"allowSelfLoops":true}'::jsonb NOT NULL,
	"schema" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "graph_types_name_unique" UNIQUE("name"),
	CONSTRAINT "graph_types_scope_check" CHECK ("graph_types"."scope" in ('system', 'tenant', 'user')),
	CONSTRAINT "graph_types_version_check" CHECK ("graph_types"."version" >= 1)
);
--> statement-breakpoint
CREATE TABLE "graphs" (
	"id" text PRIMARY KEY DEFAULT gen_random_uuid()::text NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"graph_type_id" text NOT NULL,
	"name" text,
	"owner_id" text,
	"project_id" text,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "node_types" (
	"id" text PRIMARY KEY DEFAULT gen_random_uuid()::text NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"graph_type_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"schema" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "node_types_graph_type_name_unique" UNIQUE("graph_type_id","name")
);
--> statement-breakpoint
CREATE TABLE "nodes" (
	"id" text PRIMARY KEY DEFAULT gen_random_uuid()::text NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"graph_id" text NOT NULL,
	"node_type_id" text NOT NULL,
	"key" text NOT NULL,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "nodes_graph_key_unique" UNIQUE("graph_id","key"),
	CONSTRAINT "nodes_id_graph_unique" UNIQUE("id","graph_id")
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_members" ADD CONSTRAINT "organization_members_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_members" ADD CONSTRAINT "organization_members_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "edge_types" ADD CONSTRAINT "edge_types_graph_type_id_graph_types_id_fk" FOREIGN KEY ("graph_type_id") REFERENCES "public"."graph_types"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "edge_types" ADD CONSTRAINT "edge_types_source_node_type_id_node_types_id_fk" FOREIGN KEY ("source_node_type_id") REFERENCES "public"."node_types"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "edge_types" ADD CONSTRAINT "edge_types_target_node_type_id_node_types_id_fk" FOREIGN KEY ("target_node_type_id") REFERENCES "public"."node_types"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "edges" ADD CONSTRAINT "edges_graph_id_graphs_id_fk" FOREIGN KEY ("graph_id") REFERENCES "public"."graphs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "edges" ADD CONSTRAINT "edges_edge_type_id_edge_types_id_fk" FOREIGN KEY ("edge_type_id") REFERENCES "public"."edge_types"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "edges" ADD CONSTRAINT "edges_source_fk" FOREIGN KEY ("source_id","graph_id") REFERENCES "public"."nodes"("id","graph_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "edges" ADD CONSTRAINT "edges_target_fk" FOREIGN KEY ("target_id","graph_id") REFERENCES "public"."nodes"("id","graph_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "graphs" ADD CONSTRAINT "graphs_graph_type_id_graph_types_id_fk" FOREIGN KEY ("graph_type_id") REFERENCES "public"."graph_types"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_types" ADD CONSTRAINT "node_types_graph_type_id_graph_types_id_fk" FOREIGN KEY ("graph_type_id") REFERENCES "public"."graph_types"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "nodes" ADD CONSTRAINT "nodes_graph_id_graphs_id_fk" FOREIGN KEY ("graph_id") REFERENCES "public"."graphs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "nodes" ADD CONSTRAINT "nodes_node_type_id_node_types_id_fk" FOREIGN KEY ("node_type_id") REFERENCES "public"."node_types"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_prefix_idx" ON "api_keys" USING btree ("prefix");--> statement-breakpoint
CREATE INDEX "api_keys_account_idx" ON "api_keys" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "api_keys_organization_idx" ON "api_keys" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "audit_logs_created_at_idx" ON "audit_logs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "audit_logs_target_idx" ON "audit_logs" USING btree ("target_type","target_id");--> statement-breakpoint
CREATE INDEX "audit_logs_actor_key_idx" ON "audit_logs" USING btree ("actor_key_id");--> statement-breakpoint
CREATE INDEX "organization_members_account_idx" ON "organization_members" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "edges_source_graph_idx" ON "edges" USING btree ("source_id","graph_id");--> statement-breakpoint
CREATE INDEX "edges_target_graph_idx" ON "edges" USING btree ("target_id","graph_id");--> statement-breakpoint
CREATE INDEX "edges_edge_type_idx" ON "edges" USING btree ("edge_type_id");--> statement-breakpoint
CREATE INDEX "graphs_graph_type_idx" ON "graphs" USING btree ("graph_type_id");--> statement-breakpoint
CREATE INDEX "graphs_owner_idx" ON "graphs" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "graphs_project_idx" ON "graphs" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "nodes_graph_type_idx" ON "nodes" USING btree ("graph_id","node_type_id");--> statement-breakpoint
CREATE INDEX "nodes_node_type_idx" ON "nodes" USING btree ("node_type_id");