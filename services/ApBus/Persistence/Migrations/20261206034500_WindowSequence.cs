using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Apmatrix.ApBus.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class WindowSequence : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "window_sequence",
                table: "hosts",
                type: "bigint",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "window_sequence",
                table: "hosts");
        }
    }
}
