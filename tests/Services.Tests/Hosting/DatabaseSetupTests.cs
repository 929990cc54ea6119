using Apmatrix.Hosting;
using Npgsql;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>Which refusals of a service's database the admin must fix (the service waits, saying how), and which it must not wait out.</summary>
public class DatabaseSetupTests
{
    static PostgresException Postgres(string sqlState) => new("refused", "FATAL", "FATAL", sqlState);

    [Theory]
    [InlineData(PostgresErrorCodes.InvalidCatalogName, "CREATE DATABASE \"vfioap_x\" OWNER \"vfioap\"")]
    [InlineData(PostgresErrorCodes.InsufficientPrivilege, "ALTER DATABASE \"vfioap_x\" OWNER TO \"vfioap\"")]
    [InlineData(PostgresErrorCodes.InvalidPassword, "APMATRIX_POSTGRES_<SERVICE>")]
    [InlineData(PostgresErrorCodes.InvalidAuthorizationSpecification, "scripts/servers.sh up")]
    public void A_missing_or_refused_database_names_it_and_the_fix(string sqlState, string fix)
    {
        var said = DatabaseSetup.Fix(Postgres(sqlState), "vfioap_x", "vfioap");

        Assert.NotNull(said);
        Assert.Contains(fix, said);
        Assert.Contains("vfioap", said);
    }

    [Theory]
    [InlineData(PostgresErrorCodes.CannotConnectNow)]
    [InlineData(PostgresErrorCodes.TooManyConnections)]
    [InlineData(PostgresErrorCodes.UniqueViolation)]
    public void Anything_else_is_not_the_admins_to_fix(string sqlState) =>
        Assert.Null(DatabaseSetup.Fix(Postgres(sqlState), "vfioap_x", "vfioap"));

    [Fact]
    public void A_connection_keeps_its_state_and_prepares_hot_statements_unless_told_otherwise()
    {
        var plain = new NpgsqlConnectionStringBuilder(DatabaseSetup.ConnectionString("Host=127.0.0.1;Username=vfioap", "vfioap"));
        var told = new NpgsqlConnectionStringBuilder(
            DatabaseSetup.ConnectionString("Host=127.0.0.1;Database=other;No Reset On Close=false;Max Auto Prepare=0", "vfioap"));

        Assert.Equal(("vfioap", true, 64), (plain.Database, plain.NoResetOnClose, plain.MaxAutoPrepare));
        Assert.Equal(("other", false, 0), (told.Database, told.NoResetOnClose, told.MaxAutoPrepare));
    }
}
