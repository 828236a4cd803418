CREATE TABLE "llm_providers" (
	"id" text PRIMARY KEY DEFAULT gen_random_uuid()::text NOT NULL,
	"name" text NOT NULL,
	"base_url" text NOT NULL,
	"api_key_encrypted" text,
	"models" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"weight" double precision DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "llm_providers_name_unique" UNIQUE("name"),
	CONSTRAINT "llm_providers_weight_check" CHECK ("llm_providers"."weight" > 0)
);
--> statement-breakpoint
CREATE TABLE "llm_usage" (
	"id" text PRIMARY KEY DEFAULT gen_random_uuid()::text NOT NULL,
	"request_id" text NOT NULL,
	"key_id" text NOT NULL,
	"endpoint" text NOT NULL,
	"requested_model" text NOT NULL,
	"provider" text,
	"model" text,
	"stream" boolean DEFAULT false NOT NULL,
	"input_tokens" integer DEFAULT 0 NOT NULL,
	"output_tokens" integer DEFAULT 0 NOT NULL,
	"usage_estimated" boolean DEFAULT false NOT NULL,
	"status" integer NOT NULL,
	"error_code" text,
	"latency_ms" double precision NOT NULL,
	"ttfc_ms" double precision,
	"attempts" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "llm_usage_started_at_idx" ON "llm_usage" USING btree ("started_at");--> statement-breakpoint
CREATE INDEX "llm_usage_key_started_at_idx" ON "llm_usage" USING btree ("key_id","started_at");