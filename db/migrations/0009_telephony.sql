CREATE TABLE "do_not_call" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"phone_number" text NOT NULL,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "stir_attestation" text;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "stir_verified" boolean;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "screening" jsonb;--> statement-breakpoint
ALTER TABLE "phone_triggers" ADD COLUMN "livekit_trunk_id" text;--> statement-breakpoint
ALTER TABLE "phone_triggers" ADD COLUMN "livekit_dispatch_rule_id" text;--> statement-breakpoint
ALTER TABLE "do_not_call" ADD CONSTRAINT "do_not_call_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "do_not_call_workspace_number_uq" ON "do_not_call" USING btree ("workspace_id","phone_number");