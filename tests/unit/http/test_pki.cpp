#include "test_pki.h"

#include <crypt.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <utility>

namespace slamon::testing {

namespace {

std::string shell_quoted(const std::filesystem::path& path) {
  return "'" + path.string() + "'";
}

}  // namespace

void run_command(const std::string& command) {
  const std::string with_output = command + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(with_output.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot run: " + command);
  std::string output;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe.get()) != nullptr) output += buffer.data();
  const int status = pclose(pipe.release());
  if (status != 0) throw std::runtime_error("command failed: " + command + "\n" + output);
}

TestPki::TestPki(std::filesystem::path directory, std::string name)
    : directory_(std::move(directory)), name_(std::move(name)) {
  ca_certificate_ = (directory_ / (name_ + ".pem")).string();
  ca_key_ = (directory_ / (name_ + ".key")).string();
  run_command(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
      " -subj '/CN=" +
      name_ + "' -keyout " + shell_quoted(ca_key_) + " -out " + shell_quoted(ca_certificate_) +
      " -addext basicConstraints=critical,CA:TRUE"
      " -addext keyUsage=critical,keyCertSign,cRLSign");
}

IssuedCertificate TestPki::issue_server(const std::string& common_name) const {
  return issue(common_name,
               "basicConstraints=CA:FALSE\n"
               "keyUsage=critical,digitalSignature\n"
               "extendedKeyUsage=serverAuth\n"
               "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
}

IssuedCertificate TestPki::issue_client(const std::string& common_name) const {
  return issue(common_name,
               "basicConstraints=CA:FALSE\n"
               "keyUsage=critical,digitalSignature\n"
               "extendedKeyUsage=clientAuth\n");
}

IssuedCertificate TestPki::issue(const std::string& common_name,
                                 const std::string& extensions) const {
  const std::string stem = name_ + "-" + common_name;
  IssuedCertificate issued{(directory_ / (stem + ".pem")).string(),
                           (directory_ / (stem + ".key")).string()};
  const auto request = directory_ / (stem + ".csr");
  const auto extension_file = directory_ / (stem + ".ext");
  std::ofstream(extension_file) << extensions;
  static int serial = 1000;
  run_command(
      "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
      " -subj '/CN=" +
      common_name + "' -keyout " + shell_quoted(issued.key) + " -out " + shell_quoted(request));
  run_command("openssl x509 -req -days 2 -in " + shell_quoted(request) + " -CA " +
              shell_quoted(ca_certificate_) + " -CAkey " + shell_quoted(ca_key_) + " -set_serial " +
              std::to_string(++serial) + " -extfile " + shell_quoted(extension_file) + " -out " +
              shell_quoted(issued.certificate));
  return issued;
}

std::string bcrypt_hash(const std::string& password) {
  std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> setting{};
  if (crypt_gensalt_rn("$2b$", 4, nullptr, 0, setting.data(), static_cast<int>(setting.size())) ==
      nullptr) {
    throw std::runtime_error("crypt_gensalt_rn failed");
  }
  auto data = std::make_unique<crypt_data>();
  const char* hash =
      crypt_rn(password.c_str(), setting.data(), data.get(), static_cast<int>(sizeof(crypt_data)));
  if (hash == nullptr) throw std::runtime_error("crypt_rn failed");
  return hash;
}

}  // namespace slamon::testing
