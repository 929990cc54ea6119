using Npgsql;
using NpgsqlTypes;

namespace Apmatrix.Hosting;

/// <summary>Binary COPY writes of the column kinds the outbox needs beyond Npgsql's own.</summary>
public static class CopyColumns
{
    public static Task WriteTextOrNullAsync(this NpgsqlBinaryImporter copy, string? text, CancellationToken cancellationToken) =>
        text is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(text, NpgsqlDbType.Text, cancellationToken);
}
