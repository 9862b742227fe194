CREATE TABLE "telnyx_events" (
	"id" text PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"call_id" text,
	"event_type" text NOT NULL,
	"call_session_id" text,
	"call_leg_id" text,
	"call_control_id" text,
	"occurred_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"data" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "telnyx_events" ADD CONSTRAINT "telnyx_events_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "telnyx_events" ADD CONSTRAINT "telnyx_events_call_id_calls_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."calls"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "telnyx_events_session_idx" ON "telnyx_events" USING btree ("call_session_id");--> statement-breakpoint
CREATE INDEX "telnyx_events_call_idx" ON "telnyx_events" USING btree ("call_id");