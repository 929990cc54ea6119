using Apmatrix.ApModel;
using Npgsql;
using NpgsqlTypes;

namespace Apmatrix.Hosting;

/// <summary>A <see cref="Bitmap256"/> stored as its 32-byte big-endian image (<c>bytea</c>).</summary>
public static class BitmapColumn
{
    public const int Size = 32;

    public static byte[] ToBytes(Bitmap256 bitmap)
    {
        var bytes = new byte[Size];
        bitmap.WriteBigEndian(bytes);
        return bytes;
    }
}

/// <summary>Binary COPY writes of the column kinds the services' tables share.</summary>
public static class CopyColumns
{
    public static Task WriteBitmapAsync(this NpgsqlBinaryImporter copy, Bitmap256 bitmap, CancellationToken cancellationToken) =>
        copy.WriteAsync(BitmapColumn.ToBytes(bitmap), NpgsqlDbType.Bytea, cancellationToken);

    public static Task WriteTextOrNullAsync(this NpgsqlBinaryImporter copy, string? text, CancellationToken cancellationToken) =>
        text is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(text, NpgsqlDbType.Text, cancellationToken);
}
