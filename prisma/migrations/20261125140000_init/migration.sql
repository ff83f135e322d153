-- virtcap schema v1: current state per host, history only on change, rows for what dashboards filter on.

CREATE TABLE "firmware" (
    "id" UUID NOT NULL,
    "board_vendor" TEXT NOT NULL DEFAULT '',
    "board_name" TEXT NOT NULL DEFAULT '',
    "bios_vendor" TEXT NOT NULL DEFAULT '',
    "bios_version" TEXT NOT NULL DEFAULT '',
    "bios_date" TEXT NOT NULL DEFAULT '',
    "sys_vendor" TEXT NOT NULL DEFAULT '',
    "product_name" TEXT NOT NULL DEFAULT '',
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "firmware_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "firmware_identity_key" ON "firmware"("board_vendor", "board_name", "bios_vendor", "bios_version", "bios_date", "sys_vendor", "product_name");

CREATE TABLE "hosts" (
    "id" UUID NOT NULL,
    "machine_id" TEXT NOT NULL,
    "hostname" TEXT NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3),
    "last_collected_at" TIMESTAMPTZ(3),
    "last_boot_id" TEXT,
    "last_snapshot_id" UUID,
    "current_snapshot_id" UUID,
    "content_hash" TEXT,
    "firmware_id" UUID,
    "xen_version" TEXT,
    "agent_version" TEXT,
    "hvm_status" TEXT NOT NULL DEFAULT 'unknown',
    "hvm_vendor" TEXT,
    "hap_status" TEXT NOT NULL DEFAULT 'unknown',
    "iommu_status" TEXT NOT NULL DEFAULT 'unknown',
    "iommu_kind" TEXT,
    "intremap_status" TEXT NOT NULL DEFAULT 'unknown',
    "passthrough_status" TEXT NOT NULL DEFAULT 'unknown',
    "sriov_status" TEXT NOT NULL DEFAULT 'unknown',
    "acpi_dmar_status" TEXT NOT NULL DEFAULT 'unknown',
    "acpi_ivrs_status" TEXT NOT NULL DEFAULT 'unknown',
    "sriov_total_vfs" INTEGER NOT NULL DEFAULT 0,
    "sriov_num_vfs" INTEGER NOT NULL DEFAULT 0,
    "sriov_used_vfs" INTEGER NOT NULL DEFAULT 0,
    "verdicts" JSONB,
    "facts" JSONB,
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "hosts_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "hosts_machine_id_key" ON "hosts"("machine_id");
CREATE INDEX "hosts_hostname_idx" ON "hosts"("hostname");
CREATE INDEX "hosts_labels_idx" ON "hosts" USING GIN ("labels");
CREATE INDEX "hosts_last_seen_at_idx" ON "hosts"("last_seen_at");
CREATE INDEX "hosts_firmware_id_idx" ON "hosts"("firmware_id");
CREATE INDEX "hosts_hvm_status_idx" ON "hosts"("hvm_status");
CREATE INDEX "hosts_hap_status_idx" ON "hosts"("hap_status");
CREATE INDEX "hosts_iommu_status_idx" ON "hosts"("iommu_status");
CREATE INDEX "hosts_passthrough_status_idx" ON "hosts"("passthrough_status");
CREATE INDEX "hosts_sriov_status_idx" ON "hosts"("sriov_status");
CREATE INDEX "hosts_acpi_dmar_status_idx" ON "hosts"("acpi_dmar_status");
CREATE INDEX "hosts_acpi_ivrs_status_idx" ON "hosts"("acpi_ivrs_status");

CREATE TABLE "host_tokens" (
    "id" UUID NOT NULL,
    "host_id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    CONSTRAINT "host_tokens_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "host_tokens_token_hash_key" ON "host_tokens"("token_hash");
CREATE INDEX "host_tokens_host_id_idx" ON "host_tokens"("host_id");

CREATE TABLE "api_tokens" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

CREATE TABLE "snapshots" (
    "id" UUID NOT NULL,
    "host_id" UUID NOT NULL,
    "collected_at" TIMESTAMPTZ(3) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "boot_id" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "firmware_id" UUID,
    "xen_version" TEXT,
    "agent_version" TEXT,
    "verdicts" JSONB NOT NULL,
    "facts" JSONB NOT NULL,
    "evidence" JSONB,
    CONSTRAINT "snapshots_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "snapshots_host_id_collected_at_idx" ON "snapshots"("host_id", "collected_at");
CREATE INDEX "snapshots_firmware_id_idx" ON "snapshots"("firmware_id");

CREATE TABLE "pci_devices" (
    "host_id" UUID NOT NULL,
    "bdf" TEXT NOT NULL,
    "vendor_id" TEXT,
    "device_id" TEXT,
    "name" TEXT,
    "class_name" TEXT,
    "driver" TEXT,
    "flr" BOOLEAN,
    "passthrough_status" TEXT,
    CONSTRAINT "pci_devices_pkey" PRIMARY KEY ("host_id", "bdf")
);

CREATE TABLE "sriov_functions" (
    "host_id" UUID NOT NULL,
    "pf_bdf" TEXT NOT NULL,
    "name" TEXT,
    "vendor_id" TEXT,
    "device_id" TEXT,
    "vf_device_id" TEXT,
    "total_vfs" INTEGER NOT NULL,
    "num_vfs" INTEGER NOT NULL,
    "used_vfs" INTEGER NOT NULL DEFAULT 0,
    "flr" BOOLEAN,
    CONSTRAINT "sriov_functions_pkey" PRIMARY KEY ("host_id", "pf_bdf")
);

CREATE TABLE "acpi_findings" (
    "id" BIGSERIAL NOT NULL,
    "host_id" UUID NOT NULL,
    "table_kind" TEXT NOT NULL,
    "signature" TEXT,
    "table_sha256" TEXT,
    "firmware_id" UUID,
    "code" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "acpi_findings_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "acpi_findings_host_id_idx" ON "acpi_findings"("host_id");
CREATE INDEX "acpi_findings_firmware_id_idx" ON "acpi_findings"("firmware_id");

CREATE TABLE "events" (
    "id" BIGSERIAL NOT NULL,
    "host_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "snapshot_id" UUID NOT NULL,
    "prev_snapshot_id" UUID,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "events_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "events_snapshot_id_type_key" ON "events"("snapshot_id", "type");
CREATE INDEX "events_host_id_occurred_at_idx" ON "events"("host_id", "occurred_at");
CREATE INDEX "events_type_occurred_at_idx" ON "events"("type", "occurred_at");

CREATE TABLE "alerts" (
    "id" UUID NOT NULL,
    "host_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "open_key" TEXT,
    "fired_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "alerts_pkey" PRIMARY KEY ("id")
);
-- One open alert per host and kind: open_key is "<host_id>:<kind>" while firing, NULL once resolved.
CREATE UNIQUE INDEX "alerts_open_key_key" ON "alerts"("open_key");
CREATE INDEX "alerts_state_fired_at_idx" ON "alerts"("state", "fired_at");
CREATE INDEX "alerts_host_id_idx" ON "alerts"("host_id");

CREATE TABLE "alert_events" (
    "alert_id" UUID NOT NULL,
    "event_id" BIGINT NOT NULL,
    CONSTRAINT "alert_events_pkey" PRIMARY KEY ("alert_id", "event_id")
);

CREATE TABLE "notification_deliveries" (
    "id" UUID NOT NULL,
    "alert_id" UUID NOT NULL,
    "channel" TEXT NOT NULL,
    "transition" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),
    CONSTRAINT "notification_deliveries_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "notification_deliveries_alert_id_channel_transition_key" ON "notification_deliveries"("alert_id", "channel", "transition");

CREATE TABLE "dead_letters" (
    "id" BIGSERIAL NOT NULL,
    "snapshot_id" TEXT,
    "queue" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "payload" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "dead_letters_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "dead_letters_created_at_idx" ON "dead_letters"("created_at");

CREATE TABLE "ingest_stats" (
    "minute" TIMESTAMPTZ(3) NOT NULL,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "changed" INTEGER NOT NULL DEFAULT 0,
    "unchanged" INTEGER NOT NULL DEFAULT 0,
    "out_of_order" INTEGER NOT NULL DEFAULT 0,
    "dead_lettered" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "ingest_stats_pkey" PRIMARY KEY ("minute")
);

ALTER TABLE "hosts" ADD CONSTRAINT "hosts_firmware_id_fkey" FOREIGN KEY ("firmware_id") REFERENCES "firmware"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "host_tokens" ADD CONSTRAINT "host_tokens_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "snapshots" ADD CONSTRAINT "snapshots_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "snapshots" ADD CONSTRAINT "snapshots_firmware_id_fkey" FOREIGN KEY ("firmware_id") REFERENCES "firmware"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "pci_devices" ADD CONSTRAINT "pci_devices_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "sriov_functions" ADD CONSTRAINT "sriov_functions_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "acpi_findings" ADD CONSTRAINT "acpi_findings_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "acpi_findings" ADD CONSTRAINT "acpi_findings_firmware_id_fkey" FOREIGN KEY ("firmware_id") REFERENCES "firmware"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "events" ADD CONSTRAINT "events_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alert_events" ADD CONSTRAINT "alert_events_alert_id_fkey" FOREIGN KEY ("alert_id") REFERENCES "alerts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alert_events" ADD CONSTRAINT "alert_events_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_alert_id_fkey" FOREIGN KEY ("alert_id") REFERENCES "alerts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
