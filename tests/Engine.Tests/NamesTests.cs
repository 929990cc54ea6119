using Apmatrix.ApModel;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Apmatrix.Engine.Tests;

public class NamesTests
{
    [Theory]
    [InlineData("h1")]
    [InlineData("lpar-07.zone_a:vm")]
    [InlineData("6c5f8a1e-1d3b-4a8e-9b7e-2f0c1d9e4a11")]
    [InlineData("_x")]
    public void Takes_what_the_rule_allows(string name)
    {
        Assert.True(Names.IsValid(name));
        Assert.Null(Names.Problem("host", name));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData(".hidden")]
    [InlineData("-rf")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("nul\0")]
    [InlineData("h\u00e9")]
    [InlineData("a%2Fb")]
    public void Refuses_what_the_rule_does_not(string name)
    {
        Assert.False(Names.IsValid(name));
        Assert.Contains("mdev", Names.Problem("mdev", name));
    }

    [Fact]
    public void A_name_is_at_most_64_characters()
    {
        Assert.True(Names.IsValid(new string('a', Names.MaxLength)));
        Assert.False(Names.IsValid(new string('a', Names.MaxLength + 1)));
    }

    [Property(MaxTest = 500)]
    // A path segment may hold ':' as it is (RFC 3986 pchar); everything else in a name needs no escaping either.
    public Property A_valid_name_is_a_plain_path_segment() => Prop.ForAll(NameLike.ToArbitrary(), text =>
        !Names.IsValid(text) || (Uri.EscapeDataString(text).Replace("%3A", ":") == text && text is not ("." or "..") && text.Length <= Names.MaxLength));

    /// <summary>
    /// Mostly the names' own characters, so most draws are valid names, with dots and dashes in front and a few characters
    /// the rule refuses (arbitrary strings are hardly ever valid, which would leave the property nothing to check).
    /// </summary>
    static Gen<string> NameLike => Gen.Frequency(
        (1, Gen.Elements(".", "..", "-", "-x", ".x", "..x", "x.", "x..y")),
        (8, Gen.Choose(1, Names.MaxLength + 2).SelectMany(length => Gen.ArrayOf(Gen.Frequency(
                (30, Gen.Elements("abcXYZ019".ToCharArray())), (6, Gen.Elements('.', '-', '_', ':')), (1, Gen.Elements('/', '%', ' ', '\u00e9', '?', '#'))),
            length)).Select(chars => new string(chars))));

    [Property(MaxTest = 500)]
    public Property A_quote_is_short_printable_ascii() => Prop.ForAll(ArbMap.Default.ArbFor<string>(), text =>
    {
        var quoted = InputText.Quote(text ?? "");
        return quoted.All(c => c is >= ' ' and <= '~') && quoted.Length <= InputText.Shown * 6 + 32;
    });

    [Fact]
    public void A_quote_shows_a_prefix_and_the_length_of_a_long_value()
    {
        var quoted = InputText.Quote(new string('x', 10_000_000));

        Assert.StartsWith($"'{new string('x', InputText.Shown)}'", quoted);
        Assert.Contains("10000000 characters", quoted);
        Assert.Equal("'a\\u0000\\ud800'", InputText.Quote("a\0\ud800"));
    }
}
