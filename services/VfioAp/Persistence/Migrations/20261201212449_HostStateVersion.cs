using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Apmatrix.VfioAp.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class HostStateVersion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "state_version",
                table: "hosts",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "state_version",
                table: "hosts");
        }
    }
}
