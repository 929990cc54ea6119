using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Apmatrix.ApBus.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class OutboxPartitions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "partition_key",
                table: "outbox_messages",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateIndex(
                name: "IX_outbox_messages_partition_key_sequence",
                table: "outbox_messages",
                columns: new[] { "partition_key", "sequence" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_outbox_messages_partition_key_sequence",
                table: "outbox_messages");

            migrationBuilder.DropColumn(
                name: "partition_key",
                table: "outbox_messages");
        }
    }
}
