using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Apmatrix.ApBus.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "hosts",
                columns: table => new
                {
                    host_id = table.Column<string>(type: "text", nullable: false),
                    apm = table.Column<byte[]>(type: "bytea", nullable: false),
                    aqm = table.Column<byte[]>(type: "bytea", nullable: false),
                    adm = table.Column<byte[]>(type: "bytea", nullable: false),
                    max_adapter = table.Column<int>(type: "integer", nullable: false),
                    max_domain = table.Column<int>(type: "integer", nullable: false),
                    previous_apm = table.Column<byte[]>(type: "bytea", nullable: false),
                    previous_aqm = table.Column<byte[]>(type: "bytea", nullable: false),
                    previous_adm = table.Column<byte[]>(type: "bytea", nullable: false),
                    apmask = table.Column<byte[]>(type: "bytea", nullable: false),
                    aqmask = table.Column<byte[]>(type: "bytea", nullable: false),
                    queue_devices = table.Column<byte[]>(type: "bytea", nullable: false),
                    next_sequence = table.Column<long>(type: "bigint", nullable: false),
                    open_scan_id = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_hosts", x => x.host_id);
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
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "hosts");

            migrationBuilder.DropTable(
                name: "outbox_messages");
        }
    }
}
