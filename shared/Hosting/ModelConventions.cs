using System.Text;
using Apmatrix.ApModel;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Apmatrix.Hosting;

/// <summary>
/// How the services map their rows: snake_case columns, every <see cref="Bitmap256"/> a 32-byte <c>bytea</c>, every
/// <c>byte[]</c> compared as a span.
/// </summary>
public static class ModelConventions
{
    public static ModelConfigurationBuilder AddBinaryColumns(this ModelConfigurationBuilder conventions)
    {
        conventions.Properties<Bitmap256>().HaveConversion<BitmapConverter>().HaveColumnType("bytea");
        // EF's own byte[] comparer boxes every byte: 16 KB of garbage each time a host's 8 KB of bound queues is checked.
        conventions.Properties<byte[]>().HaveConversion<byte[], BytesComparer>();
        return conventions;
    }

    /// <summary>Names every column of the entity after its property in snake_case (<c>LastSequence</c> to <c>last_sequence</c>).</summary>
    public static EntityTypeBuilder<T> SnakeCaseColumns<T>(this EntityTypeBuilder<T> entity) where T : class
    {
        foreach (var property in entity.Metadata.GetProperties())
            property.SetColumnName(SnakeCase(property.Name));
        return entity;
    }

    static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && text.Length > 0) text.Append('_');
            text.Append(char.ToLowerInvariant(c));
        }
        return text.ToString();
    }

    sealed class BytesComparer() : ValueComparer<byte[]>((a, b) => Same(a, b), bytes => Hash(bytes), bytes => bytes.ToArray());

    static bool Same(byte[]? a, byte[]? b) => a is null || b is null ? a == b : a.AsSpan().SequenceEqual(b);

    static int Hash(byte[] bytes)
    {
        var hash = new HashCode();
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }

    sealed class BitmapConverter() : ValueConverter<Bitmap256, byte[]>(bitmap => BitmapColumn.ToBytes(bitmap), bytes => Bitmap256.ReadBigEndian(bytes));
}
