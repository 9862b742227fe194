ALTER TABLE "calls" ADD COLUMN "test" boolean DEFAULT false NOT NULL;--> statement-breakpoint
UPDATE "calls" SET "test" = true WHERE "id" LIKE 'test-%';
