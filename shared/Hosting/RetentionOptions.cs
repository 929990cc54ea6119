namespace Apmatrix.Hosting;

/// <summary>How long finished rows are kept and how gently they are deleted (configuration section <c>Retention</c>).</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>Finished rows (acknowledged guest updates, old APCB history) younger than this are kept.</summary>
    public TimeSpan KeepFor { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the pruner runs.</summary>
    public TimeSpan Every { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Rows per delete statement, so no statement holds its locks for long.</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>The pause between two delete statements, leaving the database to the services' own work.</summary>
    public TimeSpan Pause { get; set; } = TimeSpan.FromMilliseconds(200);
}
