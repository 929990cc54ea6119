using System.Net.Sockets;
using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>Which failures wait out an outage, which retry a few times, and which fault the message.</summary>
public class DatabaseFaultsTests
{
    static PostgresException Postgres(string sqlState) => new("message", "ERROR", "ERROR", sqlState);

    [Theory]
    [InlineData("57P01")]
    [InlineData("57P02")]
    [InlineData("57P03")]
    [InlineData("53300")]
    [InlineData("08006")]
    [InlineData("08001")]
    public void A_server_that_cannot_serve_is_an_outage(string sqlState) =>
        Assert.Equal(DatabaseFault.Outage, DatabaseFaults.Classify(new DbUpdateException("save failed", Postgres(sqlState))));

    [Fact]
    public void A_refused_or_broken_connection_is_an_outage_however_deep_it_is_wrapped()
    {
        Assert.Equal(DatabaseFault.Outage, DatabaseFaults.Classify(
            new DbUpdateException("save failed", new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)))));
        Assert.Equal(DatabaseFault.Outage, DatabaseFaults.Classify(new NpgsqlException("Exception while reading from stream", new EndOfStreamException())));
        Assert.Equal(DatabaseFault.Outage, DatabaseFaults.Classify(new NpgsqlException("The connection pool has been exhausted", new TimeoutException())));
    }

    [Theory]
    [InlineData("40001")]
    [InlineData("40P01")]
    [InlineData("55P03")]
    [InlineData("23505")]
    public void Another_transaction_in_the_way_is_contention(string sqlState) =>
        Assert.Equal(DatabaseFault.Contention, DatabaseFaults.Classify(new DbUpdateException("save failed", Postgres(sqlState))));

    [Fact]
    public void A_lost_optimistic_update_is_contention() =>
        Assert.Equal(DatabaseFault.Contention, DatabaseFaults.Classify(new DbUpdateConcurrencyException("row changed")));

    [Theory]
    [InlineData("22021")]
    [InlineData("22001")]
    [InlineData("23502")]
    [InlineData("54000")]
    [InlineData("42703")]
    public void Content_the_database_refuses_is_a_bad_message(string sqlState) =>
        Assert.Equal(DatabaseFault.BadMessage, DatabaseFaults.Classify(new DbUpdateException("save failed", Postgres(sqlState))));

    [Fact]
    public void A_brief_reason_is_postgresqls_own_line_without_npgsqls_redacted_detail()
    {
        var refused = new PostgresException("the database system is not yet accepting connections", "FATAL", "FATAL", "57P03",
            detail: "Consistent recovery state has not been yet reached.");
        Assert.Contains("\n", refused.Message);

        Assert.Equal("57P03: the database system is not yet accepting connections", DatabaseFaults.Brief(new DbUpdateException("save failed", refused)));
        Assert.Equal("Connection refused", DatabaseFaults.Brief(
            new NpgsqlException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused))));
    }

    [Fact]
    public void A_failure_that_is_not_the_databases_is_a_bad_message()
    {
        Assert.Equal(DatabaseFault.BadMessage, DatabaseFaults.Classify(new FormatException("not an APQN")));
        Assert.Equal(DatabaseFault.BadMessage, DatabaseFaults.Classify(new InvalidOperationException("no such host")));
    }
}
