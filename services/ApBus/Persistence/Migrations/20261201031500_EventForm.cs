using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Apmatrix.ApBus.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class EventForm : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Hosts defined before the grouped form keep per-queue (1): a subscriber not yet upgraded reads nothing else.
            migrationBuilder.AddColumn<short>(
                name: "event_form",
                table: "hosts",
                type: "smallint",
                nullable: false,
                defaultValue: (short)1);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "event_form",
                table: "hosts");
        }
    }
}
