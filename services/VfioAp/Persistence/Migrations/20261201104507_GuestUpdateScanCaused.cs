using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Apmatrix.VfioAp.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class GuestUpdateScanCaused : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "scan_caused",
                table: "guest_updates",
                type: "boolean",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "scan_caused",
                table: "guest_updates");
        }
    }
}
