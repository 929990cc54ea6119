using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Apmatrix.VfioAp.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class MaskReservations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "mask_reservations",
                columns: table => new
                {
                    host_id = table.Column<string>(type: "text", nullable: false),
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    after_sequence = table.Column<long>(type: "bigint", nullable: false),
                    apmask = table.Column<byte[]>(type: "bytea", nullable: false),
                    aqmask = table.Column<byte[]>(type: "bytea", nullable: false),
                    reserved_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_mask_reservations", x => new { x.host_id, x.id });
                    table.ForeignKey(
                        name: "fk_mask_reservations_hosts",
                        column: x => x.host_id,
                        principalTable: "hosts",
                        principalColumn: "host_id",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "mask_reservations");
        }
    }
}
