#pragma once

// Follows a package's uncompressed tar stream block by block and checks
// what libarchive does not report (pkg-package(5), THE ARCHIVE): every
// member is preceded by its own pax extended header that declares
// hdrcharset=BINARY; no other kind of header (pax global, GNU long names,
// devices) appears; headers carry the ustar magic; and after the end marker
// (two zero blocks) only zero bytes follow: no second archive.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pkg {

class TarStructure {
public:
    /// The next bytes of the uncompressed stream.
    void feed(const char* data, std::size_t size);
    /// What is wrong with the headers of member `index` (0: the manifest), if anything.
    std::optional<std::string> member_problem(std::size_t index) const;
    /// Once the stream has ended: what is wrong with its end, if anything.
    std::optional<std::string> end_problem() const;

private:
    enum class State { header, pax, data, second_zero, trailer };
    void header_block();
    void pax_done();
    void problem(std::string text);

    State state_ = State::header;
    std::string block_;        ///< the header block being assembled
    std::string pax_;          ///< the pax header's records being assembled
    std::uint64_t left_ = 0;   ///< bytes of data (with padding) still to skip or collect
    std::uint64_t pax_size_ = 0;
    bool have_pax_ = false;    ///< a pax header precedes the member to come
    bool pax_binary_ = false;  ///< ... and declares hdrcharset=BINARY
    std::optional<std::uint64_t> pax_size_override_;
    std::size_t members_ = 0;  ///< member headers seen
    std::optional<std::size_t> problem_at_;
    std::string problem_;
    bool ended_ = false;
};

}  // namespace pkg
