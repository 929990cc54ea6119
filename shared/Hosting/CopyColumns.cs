using Apmatrix.ApModel;
using Npgsql;
using NpgsqlTypes;

namespace Apmatrix.Hosting;

/// <summary>Binary COPY writes of the column kinds the services' tables share.</summary>
public static class CopyColumns
{
    public static Task WriteBitmapAsync(this NpgsqlBinaryImporter copy, Bitmap256 bitmap, CancellationToken cancellationToken) =>
        copy.WriteAsync(BitmapColumn.ToBytes(bitmap), NpgsqlDbType.Bytea, cancellationToken);

    public static Task WriteTextOrNullAsync(this NpgsqlBinaryImporter copy, string? text, CancellationToken cancellationToken) =>
        text is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(text, NpgsqlDbType.Text, cancellationToken);
}
