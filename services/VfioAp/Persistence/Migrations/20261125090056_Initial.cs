using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Apmatrix.VfioAp.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "guest_updates",
                columns: table => new
                {
                    host_id = table.Column<string>(type: "text", nullable: false),
                    guest = table.Column<string>(type: "text", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    apm = table.Column<byte[]>(type: "bytea", nullable: false),
                    aqm = table.Column<byte[]>(type: "bytea", nullable: false),
                    adm = table.Column<byte[]>(type: "bytea", nullable: false),
                    mdev = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    sent_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    acked_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_guest_updates", x => new { x.host_id, x.guest, x.version });
                });

            migrationBuilder.CreateTable(
                name: "hosts",
                columns: table => new
                {
                    host_id = table.Column<string>(type: "text", nullable: false),
                    mode = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    last_sequence = table.Column<long>(type: "bigint", nullable: false),
                    apm = table.Column<byte[]>(type: "bytea", nullable: false),
                    aqm = table.Column<byte[]>(type: "bytea", nullable: false),
                    adm = table.Column<byte[]>(type: "bytea", nullable: false),
                    max_adapter = table.Column<int>(type: "integer", nullable: false),
                    max_domain = table.Column<int>(type: "integer", nullable: false),
                    apmask = table.Column<byte[]>(type: "bytea", nullable: false),
                    aqmask = table.Column<byte[]>(type: "bytea", nullable: false),
                    bound_queues = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_hosts", x => x.host_id);
                });

            migrationBuilder.CreateTable(
                name: "outbox_messages",
                columns: table => new
                {
                    sequence = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    message_id = table.Column<Guid>(type: "uuid", nullable: false),
                    message_type = table.Column<string>(type: "text", nullable: false),
                    body = table.Column<string>(type: "jsonb", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_outbox_messages", x => x.sequence);
                });

            migrationBuilder.CreateTable(
                name: "pending_bus_events",
                columns: table => new
                {
                    host_id = table.Column<string>(type: "text", nullable: false),
                    sequence = table.Column<long>(type: "bigint", nullable: false),
                    kind = table.Column<short>(type: "smallint", nullable: false),
                    apqn = table.Column<int>(type: "integer", nullable: true),
                    driver = table.Column<short>(type: "smallint", nullable: true),
                    body = table.Column<string>(type: "jsonb", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_pending_bus_events", x => new { x.host_id, x.sequence });
                });

            migrationBuilder.CreateTable(
                name: "guests",
                columns: table => new
                {
                    host_id = table.Column<string>(type: "text", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    apm = table.Column<byte[]>(type: "bytea", nullable: false),
                    aqm = table.Column<byte[]>(type: "bytea", nullable: false),
                    adm = table.Column<byte[]>(type: "bytea", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_guests", x => new { x.host_id, x.name });
                    table.ForeignKey(
                        name: "fk_guests_hosts",
                        column: x => x.host_id,
                        principalTable: "hosts",
                        principalColumn: "host_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "mdevs",
                columns: table => new
                {
                    host_id = table.Column<string>(type: "text", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    position = table.Column<int>(type: "integer", nullable: false),
                    max_adapter = table.Column<int>(type: "integer", nullable: false),
                    max_domain = table.Column<int>(type: "integer", nullable: false),
                    assigned_apm = table.Column<byte[]>(type: "bytea", nullable: false),
                    assigned_aqm = table.Column<byte[]>(type: "bytea", nullable: false),
                    assigned_adm = table.Column<byte[]>(type: "bytea", nullable: false),
                    shadow_apm = table.Column<byte[]>(type: "bytea", nullable: false),
                    shadow_aqm = table.Column<byte[]>(type: "bytea", nullable: false),
                    shadow_adm = table.Column<byte[]>(type: "bytea", nullable: false),
                    added_apm = table.Column<byte[]>(type: "bytea", nullable: false),
                    added_aqm = table.Column<byte[]>(type: "bytea", nullable: false),
                    added_adm = table.Column<byte[]>(type: "bytea", nullable: false),
                    guest = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_mdevs", x => new { x.host_id, x.name });
                    table.ForeignKey(
                        name: "fk_mdevs_hosts",
                        column: x => x.host_id,
                        principalTable: "hosts",
                        principalColumn: "host_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_guest_updates_unacked_sent_at",
                table: "guest_updates",
                column: "sent_at",
                filter: "acked_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "guest_updates");

            migrationBuilder.DropTable(
                name: "guests");

            migrationBuilder.DropTable(
                name: "mdevs");

            migrationBuilder.DropTable(
                name: "outbox_messages");

            migrationBuilder.DropTable(
                name: "pending_bus_events");

            migrationBuilder.DropTable(
                name: "hosts");
        }
    }
}
