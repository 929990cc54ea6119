using System.Text;
using Apmatrix.ApModel;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Apmatrix.Hosting;

/// <summary>How the services map their rows: snake_case columns, every <see cref="Bitmap256"/> a 32-byte <c>bytea</c>.</summary>
public static class ModelConventions
{
    public static ModelConfigurationBuilder AddBitmapColumns(this ModelConfigurationBuilder conventions)
    {
        conventions.Properties<Bitmap256>().HaveConversion<BitmapConverter>().HaveColumnType("bytea");
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

    sealed class BitmapConverter() : ValueConverter<Bitmap256, byte[]>(bitmap => BitmapColumn.ToBytes(bitmap), bytes => Bitmap256.ReadBigEndian(bytes));
}
