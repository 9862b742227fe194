DROP INDEX IF EXISTS "users_email_uq";--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "users_workspace_email_uq" ON "users" USING btree ("workspace_id","email");--> statement-breakpoint
DROP INDEX IF EXISTS "users_workspace_idx";--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "users_email_idx" ON "users" USING btree ("email");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "calls_room_idx" ON "calls" USING btree ("room_name");
