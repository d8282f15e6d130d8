using TongBan.Grains.Identity;

namespace TongBan.Grains.Tests.Identity;

[Trait("Category", "Unit")]
public class MaskingTests
{
    [Theory]
    [InlineData("张三", "张*")]
    [InlineData("张小明", "张**")]
    [InlineData("欧阳娜娜", "欧阳**")]
    [InlineData("欧阳锋", "欧阳*")]
    [InlineData("欧阳", "欧*")] // too short to keep a compound surname: keep one character
    [InlineData("诸葛亮", "诸葛*")]
    [InlineData("王", "*")]
    [InlineData(" 李四 ", "李*")]
    [InlineData("𠀾小明", "𠀾**")] // a rare character outside the BMP counts as one
    [InlineData("阿依古丽·买买提", "阿*******")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void Names_keep_the_surname(string? name, string expected)
    {
        Assert.Equal(expected, Masking.Name(name));
    }

    [Theory]
    [InlineData("520102199003071236", "5201**********1236")]
    [InlineData("11010519491231002x", "1101**********002X")]
    [InlineData("12345678", "********")]
    [InlineData("", "")]
    public void Id_numbers_show_first_and_last_four(string id, string expected)
    {
        Assert.Equal(expected, Masking.ResidentId(id));
    }

    [Theory]
    [InlineData("13812345678", "138****5678")]
    [InlineData("+86 138-1234-5678", "138****5678")]
    [InlineData("1234", "****")]
    public void Phones_show_first_three_and_last_four(string phone, string expected)
    {
        Assert.Equal(expected, Masking.Mobile(phone));
    }
}

[Trait("Category", "Unit")]
public class KeyedHashTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    [Fact]
    public void Hash_is_lowercase_hex_HMAC_SHA256_of_the_labelled_normalised_value()
    {
        var hash = new KeyedHash(Key).OfResidentId("11010519491231002x");
        Assert.Equal(KeyedHash.HexLength, hash.Length);
        Assert.True(hash.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'));
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Key, "resident-id:11010519491231002X"u8.ToArray()));
        Assert.Equal(expected, hash);
    }

    [Fact]
    public void Equivalent_spellings_hash_alike_and_different_values_do_not()
    {
        var hasher = new KeyedHash(Key);
        Assert.Equal(hasher.OfResidentId("11010519491231002X"), hasher.OfResidentId(" 11010519491231002x"));
        Assert.Equal(hasher.OfResidentId("11010519491231002X"), hasher.OfResidentId(ResidentId.Parse("11010519491231002x", new DateOnly(2026, 1, 1))));
        Assert.Equal(hasher.OfMobile("13812345678"), hasher.OfMobile("+86 138 1234 5678"));
        Assert.Equal(hasher.OfMobile("13812345678"), hasher.OfMobile(MobileNumber.Parse("008613812345678")));
        Assert.NotEqual(hasher.OfMobile("13812345678"), hasher.OfMobile("13812345679"));
    }

    [Fact]
    public void Kinds_are_separated_and_keys_matter()
    {
        var hasher = new KeyedHash(Key);
        Assert.NotEqual(hasher.OfResidentId("13812345678"), hasher.OfMobile("13812345678"));
        var otherKey = Key.ToArray();
        otherKey[0] ^= 1;
        Assert.NotEqual(hasher.OfMobile("13812345678"), new KeyedHash(otherKey).OfMobile("13812345678"));
    }

    [Fact]
    public void The_key_is_copied_and_short_keys_are_refused()
    {
        var buffer = Key.ToArray();
        var hasher = new KeyedHash(buffer);
        var before = hasher.OfMobile("13812345678");
        Array.Clear(buffer);
        Assert.Equal(before, hasher.OfMobile("13812345678"));
        Assert.Throws<ArgumentException>(() => new KeyedHash(new byte[15]));
    }

    [Fact]
    public void Same_compares_hashes()
    {
        var hasher = new KeyedHash(Key);
        var a = hasher.OfMobile("13812345678");
        Assert.True(KeyedHash.Same(a, hasher.OfMobile("13812345678")));
        Assert.False(KeyedHash.Same(a, hasher.OfMobile("13812345679")));
        Assert.False(KeyedHash.Same(a, null));
        Assert.False(KeyedHash.Same(a, a[..10]));
    }
}
