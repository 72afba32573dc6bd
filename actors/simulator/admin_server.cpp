#include "actors/simulator/admin_server.hpp"

#include <pistache/endpoint.h>
#include <pistache/http.h>

#include <stdexcept>

namespace eventbed {

namespace {

using namespace Pistache;

class admin_handler : public Http::Handler {
 public:
  HTTP_PROTOTYPE(admin_handler)

  explicit admin_handler(std::function<std::string()> render) : render_(std::move(render)) {}

  void onRequest(const Http::Request& req, Http::ResponseWriter resp) override {
    if (req.method() != Http::Method::Get) {
      resp.send(Http::Code::Method_Not_Allowed, "{\"error\":\"method_not_allowed\"}\n", MIME(Application, Json));
      return;
    }
    if (req.resource() == "/metrics") {
      std::string body;
      try {
        body = render_();
      } catch (const std::exception& e) {
        resp.send(Http::Code::Internal_Server_Error, e.what());
        return;
      }
      resp.headers().add<Http::Header::ContentType>("text/plain; version=0.0.4");
      resp.send(Http::Code::Ok, body);
    } else if (req.resource() == "/livez") {
      resp.send(Http::Code::Ok, "{\"status\":\"ok\"}\n", MIME(Application, Json));
    } else {
      resp.send(Http::Code::Not_Found, "{\"error\":\"not_found\"}\n", MIME(Application, Json));
    }
  }

 private:
  std::function<std::string()> render_;
};

}  // namespace

struct sim_admin_server::impl {
  std::unique_ptr<Http::Endpoint> endpoint;
};

sim_admin_server::sim_admin_server(const std::string& bind, uint16_t port, std::function<std::string()> render_metrics)
    : impl_(std::make_unique<impl>()) {
  try {
    impl_->endpoint = std::make_unique<Http::Endpoint>(Address(bind, Port(port)));
    impl_->endpoint->init(Http::Endpoint::options().threads(1).flags(Tcp::Options::ReuseAddr));
    impl_->endpoint->setHandler(Http::make_handler<admin_handler>(std::move(render_metrics)));
    impl_->endpoint->serveThreaded();
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot serve metrics on " + bind + ":" + std::to_string(port) + ": " + e.what());
  }
}

sim_admin_server::~sim_admin_server() {
  if (impl_->endpoint)
    impl_->endpoint->shutdown();
}

uint16_t sim_admin_server::port() const {
  return static_cast<uint16_t>(impl_->endpoint->getPort());
}

}  // namespace eventbed
