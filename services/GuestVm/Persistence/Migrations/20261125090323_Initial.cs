using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Apmatrix.GuestVm.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "apcb_history",
                columns: table => new
                {
                    host_id = table.Column<string>(type: "text", nullable: false),
                    guest_id = table.Column<string>(type: "text", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    apm = table.Column<byte[]>(type: "bytea", nullable: false),
                    aqm = table.Column<byte[]>(type: "bytea", nullable: false),
                    adm = table.Column<byte[]>(type: "bytea", nullable: false),
                    mdev = table.Column<string>(type: "text", nullable: true),
                    suspended_ms = table.Column<double>(type: "double precision", nullable: false),
                    applied_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_apcb_history", x => new { x.host_id, x.guest_id, x.version });
                });

            migrationBuilder.CreateTable(
                name: "guests",
                columns: table => new
                {
                    host_id = table.Column<string>(type: "text", nullable: false),
                    guest_id = table.Column<string>(type: "text", nullable: false),
                    vcpus = table.Column<int>(type: "integer", nullable: false),
                    format = table.Column<string>(type: "text", nullable: false),
                    apm = table.Column<byte[]>(type: "bytea", nullable: false),
                    aqm = table.Column<byte[]>(type: "bytea", nullable: false),
                    adm = table.Column<byte[]>(type: "bytea", nullable: false),
                    crycb = table.Column<byte[]>(type: "bytea", nullable: false),
                    mdev = table.Column<string>(type: "text", nullable: true),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    update_count = table.Column<long>(type: "bigint", nullable: false),
                    suspended_ms = table.Column<double>(type: "double precision", nullable: false),
                    applied_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_guests", x => new { x.host_id, x.guest_id });
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
                name: "pending_apcb",
                columns: table => new
                {
                    host_id = table.Column<string>(type: "text", nullable: false),
                    guest_id = table.Column<string>(type: "text", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    apm = table.Column<byte[]>(type: "bytea", nullable: false),
                    aqm = table.Column<byte[]>(type: "bytea", nullable: false),
                    adm = table.Column<byte[]>(type: "bytea", nullable: false),
                    mdev = table.Column<string>(type: "text", nullable: true),
                    received_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pending_apcb", x => new { x.host_id, x.guest_id, x.version });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "apcb_history");

            migrationBuilder.DropTable(
                name: "guests");

            migrationBuilder.DropTable(
                name: "outbox_messages");

            migrationBuilder.DropTable(
                name: "pending_apcb");
        }
    }
}
